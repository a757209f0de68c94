// What every fuzz target shares: splitting one input into the several texts
// a parser takes, and a check that turns a broken promise into a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// A parser that returns without crashing can still break its contract (a
// round trip that changes the value). libFuzzer only notices crashes, so a
// broken contract is made one: abort() after saying which check failed.
#define FUZZ_CHECK(cond)                                                         \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                              \
    }                                                                            \
  } while (0)

namespace pocker::fuzz {

// Parts are separated by a line holding only `---`, so the seed files stay
// readable and editable by hand; a missing part is empty. The parts keep
// every byte, NULs included: the files they stand for come from images and
// users, and may hold anything.
inline std::vector<std::string> split_parts(const uint8_t* data, size_t size, size_t count) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() + 1 < count) {
    size_t sep = text.find("\n---\n", start);
    if (sep == std::string::npos) break;
    parts.push_back(text.substr(start, sep - start));
    start = sep + 5;
  }
  parts.push_back(text.substr(start));
  parts.resize(count);
  return parts;
}

inline std::string as_text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace pocker::fuzz
