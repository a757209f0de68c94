// Descriptors and the working directory (CVE-2024-21626: runc leaked a descriptor of the host's
// cgroup directory into the container, and `-w /proc/self/fd/N` put the process's working
// directory on the host), and the CVE-2019-5736 class (the runtime's own binary reachable through
// /proc/PID/exe of the process that `exec` sends in).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "security/escape.hpp"
#include "security/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using namespace lab::security;
using json = nlohmann::json;

// A host directory opened without O_CLOEXEC: every pocker this test starts inherits it, as a
// runtime's own leaked descriptor would reach the container.
class SecurityFds : public lab::LabTest {
 protected:
  void SetUp() override { ASSERT_GE(leaked_, 0) << "open / without O_CLOEXEC"; }
  void TearDown() override {
    if (leaked_ >= 0) ::close(leaked_);
  }
  const int leaked_ = ::open("/", O_RDONLY | O_DIRECTORY);
};

// Catches: descriptors above stderr passed into the container (pocker must close or mark CLOEXEC
// everything it did not mean to pass).
TEST_F(SecurityFds, OnlyStdioReachesContainer) {
  const json report = escape(pocker, {}, {"fds"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("ok", true), false)
      << "only 0, 1 and 2 should be open in the container (this test holds fd " << leaked_
      << ", a host directory, without CLOEXEC): " << report.dump() << "\n  lesson: " << kFds;
}

// Catches: a working directory taken through a descriptor pocker holds, landing outside the root.
TEST_F(SecurityFds, WorkdirThroughProcSelfFdRefused) {
  const std::string workdir = "/proc/self/fd/" + std::to_string(leaked_);
  const lab::Outcome outcome = pocker.run({"run", "--rm", "-w", workdir, "busybox", "pocker-probe", "escape", "cwd"});
  LAB_EXPECT(outcome.status != 0, "-w " + workdir + " refused (a non-zero exit)", outcome, kFds);
  LAB_EXPECT_OUT_LACKS(outcome, "\"attempt\"", kFds);  // the container never ran
}

class SecurityExeWatch : public lab::LabTest {};

// A container watches its /proc for 10 s while the test execs into it 20 times: it must never open
// the exe of a process from outside its root (the exec'd process must be non-dumpable until it has
// exec'd the container's program), let alone for writing.
TEST_F(SecurityExeWatch, ExecDoesNotExposeRuntime) {
  const std::string name = lab::unique_name();
  const lab::Outcome started =
      pocker.run({"run", "-d", "--name", name, "busybox", "pocker-probe", "escape", "proc-exe-watch", "10"});
  LAB_ASSERT_STATUS(started, 0, kFds);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the watch start scanning
  for (int i = 0; i < 20; ++i) {
    const lab::Outcome exec = pocker.run({"exec", name, "true"});
    LAB_EXPECT_STATUS(exec, 0, kFds);
  }
  pocker.run({"wait", name});
  const lab::Outcome logs = pocker.run({"logs", name});
  pocker.run({"rm", "-f", name});
  const json report = json::parse(logs.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << lab::describe(logs);
  EXPECT_TRUE(report.value("writes", json::array()).empty())
      << "the container opened a host binary for writing: " << report.dump() << "\n  lesson: " << kFds;
  EXPECT_TRUE(report.value("foreign_reads", json::array()).empty())
      << "the container opened /proc/N/exe of a process from outside its root: " << report.dump()
      << "\n  lesson: " << kFds;
  EXPECT_GT(report.value("pids_seen", 0), 0) << "the watch saw no exec'd process, so it proved nothing: "
                                             << report.dump();
}

}  // namespace
