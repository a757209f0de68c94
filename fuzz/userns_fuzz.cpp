// parse_userns() (namespaces.hpp): `--userns VALUE` and the texts of
// /etc/subuid and /etc/subgid that `remap` reads its range from. The input
// is three parts separated by `---` lines: the value, subuid, subgid.
#include "fuzz.hpp"
#include "pocker/namespaces.hpp"

namespace {

// The id maps the kernel will be given: one line, at least one id, ending
// before 4294967295 ((uid_t)-1, "no id"), and never host root for root
// inside (that is what `host` is for).
void check_map(const std::vector<pocker::IdMap>& map) {
  FUZZ_CHECK(map.size() == 1);
  FUZZ_CHECK(map[0].inside == 0);
  FUZZ_CHECK(map[0].count >= 1);
  FUZZ_CHECK(uint64_t{map[0].outside} + map[0].count <= 4294967295ULL);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = pocker::fuzz::split_parts(data, size, 3);
  auto choice = pocker::parse_userns(parts[0], parts[1], parts[2]);
  if (choice && choice.value().enabled) {
    check_map(choice.value().uids);
    check_map(choice.value().gids);
    if (parts[0] != "remap") FUZZ_CHECK(choice.value().uids[0].outside != 0);
  }
  return 0;
}
