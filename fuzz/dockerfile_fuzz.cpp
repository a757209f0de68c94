// The Dockerfile parser (pocker/include/pocker/dockerfile.hpp): the whole
// input is a Dockerfile. What parses is planned, and every word of it is
// expanded; nothing may throw, and what comes out keeps its promises.
#include <string_view>

#include "fuzz.hpp"
#include "pocker/dockerfile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = pocker::fuzz::as_text(data, size);
  auto df = pocker::parse_dockerfile(text, "Dockerfile");
  if (!df) {
    FUZZ_CHECK(df.error().message().rfind("Dockerfile", 0) == 0);
    return 0;
  }
  const auto& d = df.value();
  FUZZ_CHECK(d.escape == '\\' || d.escape == '`');
  int last = 0;
  auto vars = [](const std::string& name) -> std::optional<std::string> {
    if (name.size() % 2) return name;
    return std::nullopt;
  };
  for (const auto& ins : d.instructions) {
    FUZZ_CHECK(ins.line > last);
    last = ins.line;
    FUZZ_CHECK(!ins.keyword.empty());
    for (char c : ins.keyword) FUZZ_CHECK(c >= 'A' && c <= 'Z');
    FUZZ_CHECK(!ins.exec_form || ins.args.front() == '[');
    for (const auto& word : pocker::split_words(ins.args, d.escape)) {
      FUZZ_CHECK(!word.empty());
      (void)pocker::expand_word(word, vars, d.escape);
    }
    (void)pocker::parse_pairs(ins.args, vars, d.escape, true);
  }
  auto plan = pocker::plan_stages(d);
  if (!plan) return 0;
  const auto& p = plan.value();
  FUZZ_CHECK(!p.stages.empty());
  auto same = [](std::string_view w) -> pocker::Result<std::string> { return std::string(w); };
  auto order = pocker::needed_stages(p, static_cast<int>(p.stages.size()) - 1, same);
  if (order) {
    FUZZ_CHECK(!order.value().empty() && order.value().back() == static_cast<int>(p.stages.size()) - 1);
  }
  return 0;
}
