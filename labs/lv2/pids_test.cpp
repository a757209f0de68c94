// --pids-limit N: the container may hold at most N tasks; fork beyond that fails with EAGAIN
// inside it, and nowhere else.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "lv2/hints.hpp"
#include "lv2/host.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv2::kPids;
using namespace std::chrono_literals;

class Lv2Pids : public lab::LabTest {
 protected:
  void SetUp() override {
    if (!lab::lv2::controller_available("pids")) {
      GTEST_SKIP() << "the host has no pids cgroup controller, so --pids-limit cannot be checked here";
    }
  }
};

// The test process itself can still fork: a limit that leaked onto the host (say, written to the
// shared parent or the test's own cgroup) would show here.
bool host_can_fork() {
  const pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) ::_exit(0);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Catches: --pids-limit not written to pids.max (all 100 forks succeed), written after the process
// started in a way that misses its children, or written to a cgroup the container is not in.
// Also that the limit stays with the container: the host can still fork afterwards.
TEST_F(Lv2Pids, LimitStopsForks) {
  lab::RunOptions opts;
  opts.timeout = 60s;
  const nlohmann::json report = lab::probe(pocker, {"--rm", "--pids-limit", "20"}, {"fork", "100"}, opts);
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  const long long forked = report.value("forked", -1LL);
  const long long failed = report.value("failed", -1LL);
  const nlohmann::json first_error = report.value("first_error", nlohmann::json());
  EXPECT_TRUE(forked >= 0 && forked < 20 && failed > 0)
      << "expected --pids-limit 20 to stop the probe's forks before 20 children (it is a task itself)\n"
      << "  probe said: " << report.dump() << "\n  lesson: " << kPids;
  EXPECT_EQ(first_error, "EAGAIN") << "expected fork to fail with EAGAIN, the pids controller's error\n"
                                   << "  probe said: " << report.dump() << "\n  lesson: " << kPids;
  EXPECT_TRUE(host_can_fork()) << "after the limited container, the test process itself cannot fork: the "
                                  "limit reached the host\n  lesson: "
                               << kPids;
}

// Catches: a small default limit applied to every container (docker has none), which would break
// ordinary programs that fork.
TEST_F(Lv2Pids, NoLimitForks100) {
  lab::RunOptions opts;
  opts.timeout = 60s;
  const nlohmann::json report = lab::probe(pocker, {"--rm"}, {"fork", "100"}, opts);
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(report.value("forked", -1LL), 100) << "expected all 100 forks to succeed without --pids-limit\n"
                                               << "  probe said: " << report.dump() << "\n  lesson: " << kPids;
  EXPECT_EQ(report.value("failed", -1LL), 0) << "  probe said: " << report.dump() << "\n  lesson: " << kPids;
}

}  // namespace
