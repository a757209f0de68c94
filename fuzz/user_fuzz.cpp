// resolve_user() (user.hpp): `-u USER[:GROUP]` against the image's
// /etc/passwd and /etc/group, files that come with any image pulled or
// imported. The input is three parts separated by `---` lines: the -u
// value, the passwd text, the group text.
#include "fuzz.hpp"
#include "pocker/user.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = pocker::fuzz::split_parts(data, size, 3);
  auto ids = pocker::resolve_user(parts[0], parts[1], parts[2]);
  (void)ids;
  return 0;
}
