// -m/--memory: the container's memory is capped by its cgroup, and going over the cap ends it with
// the kernel's OOM kill, which pocker reports (exit 137 and a `pocker: ` line saying OOM).
#include <chrono>
#include <string>

#include "lv2/hints.hpp"
#include "lv2/host.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv2::kMemory;
using namespace std::chrono_literals;

class Lv2Memory : public lab::LabTest {
 protected:
  void SetUp() override {
    if (!lab::lv2::controller_available("memory")) {
      GTEST_SKIP() << "the host has no memory cgroup controller (not in any mounted hierarchy), so "
                      "--memory cannot be checked here";
    }
  }
};

// Catches: --memory parsed but never written to memory.max / memory.limit_in_bytes (the probe then
// gets its 256 MiB and exits 0), a limit written after the process started, or an OOM kill reported
// as a plain SIGKILL without saying why (no "OOM" on the `pocker: ` line).
TEST_F(Lv2Memory, OverLimitIsOomKilled) {
  lab::RunOptions opts;
  opts.timeout = 60s;
  const lab::Outcome outcome =
      pocker.run({"run", "--rm", "--memory", "64m", "busybox", "pocker-probe", "alloc", "256m"}, opts);
  LAB_EXPECT_STATUS(outcome, 137, kMemory);
  LAB_EXPECT_POCKER_ERROR(outcome, "OOM", kMemory);
  LAB_EXPECT(outcome.out.find("\"allocated\":268435456") == std::string::npos,
             "the probe not to finish allocating 256 MiB under a 64 MiB limit", outcome, kMemory);
}

// Catches: a limit far smaller than asked (a unit mix-up: 512m read as 512 KiB, or k as 1000), or
// an OOM report for a container that was not OOM-killed.
TEST_F(Lv2Memory, UnderLimitRuns) {
  lab::RunOptions opts;
  opts.timeout = 60s;
  const lab::Outcome outcome =
      pocker.run({"run", "--rm", "--memory", "512m", "busybox", "pocker-probe", "alloc", "256m"}, opts);
  LAB_EXPECT_STATUS(outcome, 0, kMemory);
  LAB_EXPECT_OUT_HAS(outcome, "\"allocated\":268435456", kMemory);
  LAB_EXPECT(outcome.err.find("OOM") == std::string::npos, "no OOM report on stderr", outcome, kMemory);
}

}  // namespace
