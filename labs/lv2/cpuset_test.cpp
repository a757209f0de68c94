// --cpuset-cpus LIST: the container runs only on those CPUs; the kernel shows it as the process's
// Cpus_allowed_list, which the probe reports as "cpus_allowed".
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "lv2/hints.hpp"
#include "lv2/host.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv2::kCpuset;
using namespace std::chrono_literals;

class Lv2Cpuset : public lab::LabTest {
 protected:
  void SetUp() override {
    if (!lab::lv2::controller_available("cpuset")) {
      GTEST_SKIP() << "the host has no cpuset cgroup controller, so --cpuset-cpus cannot be checked here";
    }
  }

  std::string cpus_allowed(std::vector<std::string> flags) {
    flags.insert(flags.begin(), "--rm");
    const nlohmann::json report = lab::probe(pocker, flags, {"report"});
    if (!report.is_object()) return "(no report)";
    return report.value("cpus_allowed", std::string("(missing)"));
  }

  void expect_pinned(unsigned cpu) {
    const std::vector<unsigned> online = lab::lv2::online_cpus();
    if (std::find(online.begin(), online.end(), cpu) == online.end()) {
      GTEST_SKIP() << "CPU " << cpu << " is not online on this host";
    }
    const std::string wanted = std::to_string(cpu);
    const std::string unpinned = cpus_allowed({});
    if (unpinned == wanted) {
      GTEST_SKIP() << "an unpinned container already runs only on CPU " << wanted
                   << ", so pinning to it cannot be told apart";
    }
    const std::string pinned = cpus_allowed({"--cpuset-cpus", wanted});
    EXPECT_EQ(pinned, wanted) << "expected --cpuset-cpus " << wanted << " to leave the container only CPU "
                              << wanted << " (Cpus_allowed_list); without the flag it has " << unpinned
                              << "\n  lesson: " << kCpuset;
  }
};

// Catches: --cpuset-cpus not written to cpuset.cpus (the container keeps every CPU), or written to
// a cgroup the container's process is not in.
TEST_F(Lv2Cpuset, PinsToCpu0) { expect_pinned(0); }

// Catches: the same, and a value ignored in favour of a fixed "0" (or the parent's first CPU).
TEST_F(Lv2Cpuset, PinsToLastOnlineCpu) {
  const std::vector<unsigned> online = lab::lv2::online_cpus();
  if (online.size() < 2) GTEST_SKIP() << "the host has fewer than 2 online CPUs";
  expect_pinned(online.back());
}

}  // namespace
