// `pocker exec C CMD...` runs a new process inside a running container: it must join every one of
// its namespaces (setns; the PID namespace for its children) and its cgroup, and report 127, 126
// and 125 as `run` does.
#include <unistd.h>

#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kExec;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

class LifecycleExec : public lc::LifecycleTest {
 protected:
  // A running `busybox sleep 30` named after the test; fails the test when it cannot start.
  void start_sleeper(std::vector<std::string> flags = {}) {
    name_ = lab::unique_name();
    std::vector<std::string> args{"--name", name_};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"busybox", "sleep", "30"});
    const lab::Outcome run = detach(args);
    LAB_ASSERT_STATUS(run, 0, kExec);
    const nlohmann::json j = inspect(name_, kExec);
    if (j.is_object() && j.contains("State")) pid_ = j["State"].value("Pid", 0);
  }

  lab::Outcome exec(std::vector<std::string> command) {
    command.insert(command.begin(), {"exec", name_});
    return pocker.run(std::move(command));
  }

  std::string name_;
  int pid_ = 0;  // the container's process on the host (inspect's State.Pid)
};

// Catches: no setns into the UTS namespace (exec then sees the host's hostname).
TEST_F(LifecycleExec, SameHostname) {
  start_sleeper({"--hostname", "lc-exec-host"});
  if (HasFatalFailure()) return;
  const lab::Outcome outcome = exec({"hostname"});
  LAB_EXPECT_STATUS(outcome, 0, kExec);
  LAB_EXPECT_OUT_EQ(outcome, "lc-exec-host\n", kExec);
}

// Catches: a namespace left out of the setns list. Each of the exec'd process's namespaces (as
// /proc/self/ns/* names them inside) must be the container's own (as the host sees them on its
// State.Pid): pid (for the child: setns on a PID namespace only moves later children), mnt, uts,
// ipc, net and cgroup.
TEST_F(LifecycleExec, JoinsEveryNamespace) {
  start_sleeper();
  if (HasFatalFailure()) return;
  ASSERT_GT(pid_, 0) << "inspect gave no State.Pid for the running container\n  lesson: " << kExec;
  const std::vector<std::string> kinds{"pid", "mnt", "uts", "ipc", "net", "cgroup"};
  std::string script;
  for (const std::string& kind : kinds) script += "readlink /proc/self/ns/" + kind + "; ";
  const lab::Outcome outcome = exec({"sh", "-c", script});
  LAB_EXPECT_STATUS(outcome, 0, kExec);
  const std::vector<std::string> inside = lc::lines_of(outcome.out);
  for (size_t i = 0; i < kinds.size(); ++i) {
    const std::string host_path = "/proc/" + std::to_string(pid_) + "/ns/" + kinds[i];
    char target[256] = {};
    const ssize_t n = ::readlink(host_path.c_str(), target, sizeof target - 1);
    ASSERT_GT(n, 0) << "cannot read " << host_path;
    const std::string theirs(target, static_cast<size_t>(n));
    LAB_EXPECT(i < inside.size() && inside[i] == theirs,
               "exec's " + kinds[i] + " namespace to be the container's " + theirs, outcome, kExec);
  }
}

// Catches: exec outside the container's PID namespace. Inside it, /proc/1 is the container's
// command and /proc/self is the exec'd process itself; outside, /proc/self does not resolve in
// the container's /proc, and readlink fails.
TEST_F(LifecycleExec, SeesContainerPid1) {
  start_sleeper();
  if (HasFatalFailure()) return;
  const lab::Outcome cmdline = exec({"cat", "/proc/1/cmdline"});
  LAB_EXPECT_STATUS(cmdline, 0, kExec);
  LAB_EXPECT_OUT_EQ(cmdline, std::string("sleep\0" "30\0", 9), kExec);

  const lab::Outcome one = exec({"readlink", "/proc/1/ns/pid"});
  const lab::Outcome self = exec({"readlink", "/proc/self/ns/pid"});
  LAB_EXPECT_STATUS(one, 0, kExec);
  LAB_EXPECT_STATUS(self, 0, kExec);
  LAB_EXPECT(self.out == one.out && !one.out.empty(),
             "exec's PID namespace (/proc/self/ns/pid) to be PID 1's: " + lc::trimmed(one.out), self, kExec);
  const lab::Outcome pid = exec({"sh", "-c", "echo $$"});
  LAB_EXPECT(pid.status == 0 && lc::trimmed(pid.out) != "1" && lc::trimmed(pid.out).size() <= 3,
             "exec'd shell to have a small PID of the container's namespace (not 1, not a host PID)", pid, kExec);
}

// Catches: exec that skips joining the cgroup (its process then escapes the container's limits).
// Inside the cgroup namespace, both read "/" (or the same path); a process left in the host's
// cgroup reads a path with "..", or a different one.
TEST_F(LifecycleExec, JoinsTheCgroup) {
  start_sleeper();
  if (HasFatalFailure()) return;
  const lab::Outcome outcome = exec({"sh", "-c", "cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup"});
  LAB_EXPECT_STATUS(outcome, 0, kExec);
  const size_t split = outcome.out.find("---\n");
  ASSERT_NE(split, std::string::npos) << lab::describe(outcome);
  const std::string mine = outcome.out.substr(0, split), pid1 = outcome.out.substr(split + 4);
  LAB_EXPECT(!mine.empty() && mine == pid1, "exec's /proc/self/cgroup to equal the container's /proc/1/cgroup",
             outcome, kExec);
  LAB_EXPECT_OUT_LACKS(outcome, "/..", kExec);

  // And the host agrees: the container's cgroup (inspect's CgroupPath) holds more than PID 1 while
  // an exec runs in it.
  const nlohmann::json j = inspect(name_, kExec);
  const std::string path = j.is_object() ? j.value("CgroupPath", "") : "";
  if (path.empty()) return;
  lab::RunOptions opts;
  opts.timeout = 20s;
  lab::Background sleeper = pocker.start({"exec", name_, "sh", "-c", "echo in; sleep 1"}, opts);
  ASSERT_TRUE(sleeper.wait_for_stdout("in", 10s)) << "the exec'd shell did not start";
  bool found = false;
  for (const std::string& mount : lc::cgroup_mount_points()) {
    const std::string procs = lab::read_file(mount + path + "/cgroup.procs");
    found = found || lc::lines_of(procs).size() >= 2;
  }
  EXPECT_TRUE(found) << "no cgroup.procs of " << path << " (under any cgroup mount) lists the exec'd process\n"
                     << "  lesson: " << kExec;
  sleeper.wait();
}

// Catches: exec failures reported as pocker's own (125) instead of the contract's 127.
TEST_F(LifecycleExec, MissingCommandIs127) {
  start_sleeper();
  if (HasFatalFailure()) return;
  const lab::Outcome outcome = exec({"no-such-command-here"});
  LAB_EXPECT_STATUS(outcome, 127, kExec);
}

// Catches: exec into a container that is not running (setns into the namespaces of a dead, or
// worse a recycled, pid) instead of a clean 125 with a pocker: error line.
TEST_F(LifecycleExec, StoppedContainerIs125) {
  name_ = lab::unique_name();
  const lab::Outcome run = detach({"--name", name_, "busybox", "true"});
  LAB_ASSERT_STATUS(run, 0, kExec);
  pocker.run({"wait", name_});
  const lab::Outcome outcome = exec({"true"});
  LAB_EXPECT_STATUS(outcome, 125, kExec);
  LAB_EXPECT_POCKER_ERROR(outcome, "", kExec);
}

// Catches: exec's -e, -w and -u ignored (the flags parsed, then the container's defaults used).
TEST_F(LifecycleExec, EnvWorkdirAndUser) {
  start_sleeper();
  if (HasFatalFailure()) return;
  const lab::Outcome outcome =
      pocker.run({"exec", "-e", "LC_VAR=hello", "-w", "/tmp", "-u", "1234:4321", name_, "sh", "-c",
                  "echo $LC_VAR; pwd; id -u; id -g"});
  LAB_EXPECT_STATUS(outcome, 0, kExec);
  LAB_EXPECT_OUT_EQ(outcome, "hello\n/tmp\n1234\n4321\n", kExec);
}

}  // namespace
