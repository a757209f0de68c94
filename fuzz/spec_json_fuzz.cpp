// spec_from_json() (state.hpp): a container's config.json, read back by
// start, exec, rm and inspect. The file lives in the store and is written
// by pocker, but a disk error or a hand edit can leave anything there
// (issue 22), and its `security` section goes through security_from_json.
// The whole input is the file.
#include "fuzz.hpp"
#include "pocker/state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto spec = pocker::spec_from_json(pocker::fuzz::as_text(data, size));
  if (!spec) return 0;
  // What was read must write and read back to the same thing: a spec that
  // changes on its way through the state directory would make `start`
  // run something other than what `run` ran.
  std::string once = pocker::spec_to_json(spec.value());
  auto again = pocker::spec_from_json(once);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(pocker::spec_to_json(again.value()) == once);
  return 0;
}
