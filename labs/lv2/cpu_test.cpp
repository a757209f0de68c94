// --cpus N: the container gets at most N CPUs' worth of time (a CFS quota per period). The probe
// spins for a wall-clock time and reports the CPU time it got (getrusage), whose ratio is the
// number of CPUs the quota allowed.
//
// CPU timing: these tests must not share the machine with other tests. labs/CMakeLists.txt
// registers every Lv2CpuQuota test with RUN_SERIAL, and each first measures what an unlimited
// container gets, skipping (never failing) when the machine is too busy to tell.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "lv2/hints.hpp"
#include "lv2/host.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv2::kCpus;
using namespace std::chrono_literals;

// A CPU count for messages: 0.87, not 0.87327399999999999.
std::string cpus(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

class Lv2CpuQuota : public lab::LabTest {
 protected:
  void SetUp() override {
    if (!lab::lv2::controller_available("cpu")) {
      GTEST_SKIP() << "the host has no cpu cgroup controller, so --cpus cannot be checked here";
    }
    const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    if (online < 2) {
      GTEST_SKIP() << "the host has " << online << " online CPU(s); the quota checks need at least 2";
    }
  }

  // CPUs used: the probe's CPU seconds over its wall-clock seconds; -1 when it did not report.
  double cpus_used(std::vector<std::string> flags, const std::string& threads, std::string* shown) {
    lab::RunOptions opts;
    opts.timeout = 60s;
    flags.insert(flags.begin(), "--rm");
    const nlohmann::json report = lab::probe(pocker, flags, {"burn", "2", threads}, opts);
    if (!report.is_object() || !report.contains("cpu_seconds") || !report.contains("seconds")) return -1;
    *shown = report.dump();
    const double wall = report["seconds"].get<double>();
    return wall > 0 ? report["cpu_seconds"].get<double>() / wall : -1;
  }

  // Runs `pocker-probe burn 2 THREADS` under `--cpus QUOTA` and expects it to use low..high CPUs.
  // Contention can only lower what the probe gets, never raise it, so:
  //  - above `high` always fails (the quota is missing or too loose);
  //  - before the limited run, and again after one that came out below `low`, an unlimited run
  //    measures what the machine gives now; below `needed`, the machine is too busy to tell, and
  //    the test tries once more, then skips (with the numbers) rather than fail;
  //  - below `low` while the machine gave enough both before and after fails (quota too tight).
  void expect_quota(const std::string& quota, const std::string& threads, double low, double high,
                    double needed) {
    std::string why_skipped;
    for (int attempt = 1; attempt <= 2; ++attempt) {
      std::string before_report, report, after_report;
      const double before = cpus_used({}, threads, &before_report);
      ASSERT_GE(before, 0) << "the unlimited probe did not report (see above)";
      if (before < needed) {
        why_skipped = "before the limited run, " + threads + " unlimited spinning thread(s) got only " +
                      cpus(before) + " CPUs (" + before_report + ")";
        continue;
      }
      const double used = cpus_used({"--cpus", quota}, threads, &report);
      ASSERT_GE(used, 0) << "the probe under --cpus " << quota << " did not report (see above)";
      const std::string seen = "\n  probe said: " + report + "\n  unlimited just before, it used " +
                               cpus(before) + " CPUs (" + before_report + ")";
      ASSERT_LE(used, high) << "expected --cpus " << quota << " to let " << threads << " spinning thread(s) use "
                            << cpus(low) << " to " << cpus(high) << " CPUs; they used " << cpus(used) << seen
                            << "\n  lesson: " << kCpus;
      if (used >= low) return;  // passed
      const double after = cpus_used({}, threads, &after_report);
      ASSERT_GE(after, 0) << "the unlimited probe did not report (see above)";
      if (after < needed) {
        why_skipped = "under --cpus " + quota + " the probe used " + cpus(used) + " CPUs (" + report +
                      "), but right after, unlimited, it got only " + cpus(after) + " CPUs (" + after_report + ")";
        continue;
      }
      FAIL() << "expected --cpus " << quota << " to let " << threads << " spinning thread(s) use " << cpus(low)
             << " to " << cpus(high) << " CPUs; they used " << cpus(used) << seen << "\n  unlimited just after: "
             << cpus(after) << " CPUs (" << after_report << ")\n  lesson: " << kCpus;
    }
    GTEST_SKIP() << "the machine is too busy (or delivers fewer CPUs than it has online) to time a --cpus "
                 << quota << " quota; it needs " << cpus(needed) << " CPUs free: " << why_skipped;
  }
};

// Catches: --cpus not applied (one spinning thread then gets a whole CPU, ratio ~1.0), applied as
// a share instead of a quota (no cap on an idle machine), or the quota computed against the wrong
// period (e.g. 50000 us over a 1 s period: ratio ~0.05).
TEST_F(Lv2CpuQuota, HalfCpu) { expect_quota("0.5", "1", 0.40, 0.60, 0.75); }

// Catches: a quota that does not scale with the number of CPUs (capped at one CPU: ratio ~1.0, or
// 1.5 truncated to 1), or no quota at all (two threads then use ~2 CPUs).
TEST_F(Lv2CpuQuota, OneAndAHalfCpus) { expect_quota("1.5", "2", 1.2, 1.8, 1.7); }

}  // namespace
