// Device flags (devices.hpp): `--device-cgroup-rule` (parse_device_rule,
// also the form of a v1 devices.list line) and `--device` (parse_device_mapping,
// which stats the host path: inputs name /dev/null and friends). The whole
// input is the flag's value, given to both.
#include "fuzz.hpp"
#include "pocker/devices.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = pocker::fuzz::as_text(data, size);

  if (auto rule = pocker::parse_device_rule(text)) {
    // device_rule_line() writes what the v1 kernel file takes; pocker reads
    // such lines back, so the two must agree.
    auto again = pocker::parse_device_rule(pocker::device_rule_line(rule.value()));
    FUZZ_CHECK(again && again.value() == rule.value());
  }

  if (auto mapping = pocker::parse_device_mapping(text)) {
    const auto& m = mapping.value();
    FUZZ_CHECK(m.type == 'c' || m.type == 'b');
    FUZZ_CHECK(!m.container_path.empty() && m.container_path[0] == '/');
    FUZZ_CHECK(("/" + m.container_path + "/").find("/../") == std::string::npos);
    auto rule = pocker::parse_device_rule(pocker::device_rule_line(pocker::rule_for(m)));
    FUZZ_CHECK(rule.ok());
  }
  return 0;
}
