// build_env() (spec.hpp) fed an --env-file: the input is the file, read the
// way `pocker run --env-file` reads it (KEY=VALUE lines, blank lines and
// `#` comments skipped), against a fixed host environment for `KEY` lines.
#include <cstring>
#include <memory>
#include <sstream>

#include "fuzz.hpp"
#include "pocker/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream file(pocker::fuzz::as_text(data, size));
  std::vector<std::string> entries;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    entries.push_back(line);
  }
  // Each host entry a heap block of exactly its size (a std::string would
  // keep short ones inside itself, where ASan cannot see a read past the
  // end). execve(2) takes any strings as the environment: one without `=`
  // is legal, and pocker inherits whatever it was given.
  std::vector<std::unique_ptr<char[]>> host;
  for (const char* h : {"HOME=/root", "TERM=xterm", "EMPTY=", "NOEQUALS"}) {
    size_t n = std::strlen(h) + 1;
    host.push_back(std::make_unique<char[]>(n));
    std::memcpy(host.back().get(), h, n);
  }
  std::vector<char*> host_env;
  for (auto& h : host) host_env.push_back(h.get());
  host_env.push_back(nullptr);

  auto env = pocker::build_env(entries, host_env.data());
  if (env) {
    for (const auto& e : env.value()) {
      // Every entry the container gets is KEY=VALUE with a non-empty key.
      size_t eq = e.find('=');
      FUZZ_CHECK(eq != std::string::npos && eq > 0);
    }
  }
  return 0;
}
