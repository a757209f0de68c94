// Sizes and CPU lists (pocker/include/pocker/parse.hpp): what -m,
// --memory-swap, --cpus and --cpuset-cpus hand to the core, and what the
// kernel's /sys/devices/system/cpu/online holds. The whole input is the
// flag's value.
#include <cmath>

#include "fuzz.hpp"
#include "pocker/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = pocker::fuzz::as_text(data, size);

  auto bytes = pocker::parse_size(text);
  (void)bytes;

  auto cpus = pocker::parse_cpus(text, 4);
  if (cpus) FUZZ_CHECK(cpus.value() >= 0.01 && cpus.value() <= 4.0);

  auto list = pocker::parse_cpu_list(text);
  if (list) {
    // The contract: sorted, each CPU once, and format_cpu_list is its
    // inverse (cgroup v1's cpuset.cpus is written from the formatted form).
    const auto& got = list.value();
    FUZZ_CHECK(!got.empty());
    for (size_t i = 1; i < got.size(); ++i) FUZZ_CHECK(got[i - 1] < got[i]);
    auto again = pocker::parse_cpu_list(pocker::format_cpu_list(got));
    FUZZ_CHECK(again && again.value() == got);
  }
  return 0;
}
