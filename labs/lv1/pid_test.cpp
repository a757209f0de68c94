// A PID namespace and a /proc of its own: the container's command is PID 1 and sees only its own
// processes; `--pid host` shares the host's PIDs instead.
#include <cctype>
#include <filesystem>
#include <string>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv1::kPid;

// How many of a /proc's entries are all digits: one per process.
int count_processes(const std::string& proc) {
  int count = 0;
  for (const std::string& name : lab::lv1::entries_of(proc)) {
    bool digits = !name.empty();
    for (char c : name) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    count += digits ? 1 : 0;
  }
  return count;
}

using Lv1Pid = lab::LabTest;

// Catches: no CLONE_NEWPID, so the command gets an ordinary host PID.
TEST_F(Lv1Pid, CommandIsPid1) {
  const nlohmann::json report = lab::probe(pocker, {}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(report.value("pid", -1), 1) << "the container's command must be PID 1 of its own PID namespace\n"
                                        << "  lesson: " << kPid;
}

// Catches: no PID namespace (a fresh /proc then still lists every host process) and a /proc bound
// in from the host. The shell, ls and grep are all the container should have.
TEST_F(Lv1Pid, OnlyOwnProcessesVisible) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "sh", "-c", "ls /proc | grep -c '^[0-9][0-9]*$'"});
  LAB_EXPECT_STATUS(outcome, 0, kPid);
  int inside = -1;
  try {
    inside = std::stoi(outcome.out);
  } catch (...) {
  }
  const int host = count_processes("/proc");
  LAB_EXPECT(inside >= 1 && inside <= 3,
             "at most 3 processes in the container's /proc (sh, ls, grep), not the host's " + std::to_string(host),
             outcome, kPid);
}

// Catches: /proc not remounted for the container's PID namespace (or no PID namespace): PID 1 is
// then the host's init, not the container's command.
TEST_F(Lv1Pid, Proc1IsTheCommand) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "cat", "/proc/1/cmdline"});
  LAB_EXPECT_STATUS(outcome, 0, kPid);
  LAB_EXPECT_OUT_EQ(outcome, std::string("cat\0/proc/1/cmdline\0", 20), kPid);
}

using Lv1Proc = lab::LabTest;

// Catches: a container left without /proc (or with something else on it): ps, top and the
// probe's own /proc/self reads need a proc file system there.
TEST_F(Lv1Proc, MountedAsProc) {
  const nlohmann::json report = lab::probe(pocker, {}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  std::string fstype = "(not mounted)";
  for (const nlohmann::json& mount : report.value("mounts", nlohmann::json::array())) {
    if (mount.value("target", "") == "/proc") fstype = mount.value("fstype", "");
  }
  EXPECT_EQ(fstype, "proc") << "the container's /proc/self/mountinfo must show /proc mounted with type proc\n"
                            << "  mounts: " << report.value("mounts", nlohmann::json()).dump() << "\n  lesson: " << kPid;
}

using Lv1PidHost = lab::LabTest;

// Catches: `--pid host` ignored: the probe would be PID 1 of a new PID namespace.
TEST_F(Lv1PidHost, SeesHostPids) {
  const nlohmann::json report = lab::probe(pocker, {"--pid", "host"}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  const int pid = report.value("pid", -1);
  EXPECT_GT(pid, 1) << "with --pid host the probe must have an ordinary host PID, not 1\n  lesson: " << kPid;
  EXPECT_EQ(lab::lv1::probe_ns_inode(report, "pid"), lab::lv1::host_ns_inode("pid"))
      << "with --pid host the container must be in the host's PID namespace\n  lesson: " << kPid;
}

}  // namespace
