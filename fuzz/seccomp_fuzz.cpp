// parse_seccomp_profile() (seccomp.hpp): a profile in docker's JSON
// format, from `--security-opt seccomp=PATH`. The whole input is the file.
// A profile that parses is compiled too (libseccomp, for this machine and
// docker's default capabilities), as `run` does next: the parser promises
// that whatever it accepts compiles.
#include "fuzz.hpp"
#include "pocker/capabilities.hpp"
#include "pocker/seccomp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto profile = pocker::parse_seccomp_profile(pocker::fuzz::as_text(data, size), "fuzz");
  if (!profile) return 0;
  auto program = pocker::compile_seccomp(profile.value(), pocker::default_capabilities());
  (void)program;
  return 0;
}
