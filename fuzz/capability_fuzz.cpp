// Capability names (capabilities.hpp): `--cap-add` and `--cap-drop`
// values. The input is two parts separated by a `---` line, each a list of
// names one per line: the --cap-add values, then the --cap-drop values.
// Every single line also goes through parse_capability on its own.
#include <sstream>

#include "fuzz.hpp"
#include "pocker/capabilities.hpp"

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = pocker::fuzz::split_parts(data, size, 2);
  auto add = lines_of(parts[0]), drop = lines_of(parts[1]);
  for (const auto& list : {add, drop}) {
    for (const auto& name : list) {
      auto cap = pocker::parse_capability(name);
      if (!cap) continue;
      // A number the kernel knows, whose name reads back to it.
      FUZZ_CHECK(cap.value() >= 0 && cap.value() < 64);
      auto again = pocker::parse_capability(pocker::capability_name(cap.value()));
      FUZZ_CHECK(again && again.value() == cap.value());
    }
  }
  auto caps = pocker::resolve_capabilities(add, drop, false);
  if (caps) {
    // Every capability in the set has a name (inspect lists them).
    FUZZ_CHECK(pocker::capability_names(caps.value()).size() ==
               static_cast<size_t>(__builtin_popcountll(caps.value())));
  }
  return 0;
}
