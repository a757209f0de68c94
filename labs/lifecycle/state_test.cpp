// What pocker remembers of a container and how it reports it: `ps` (running ones), `ps -a` (all,
// with "Exited (N)"), `ps -q` (short ids), `wait` (the exit status), `inspect` (JSON), and the
// three ways to name a container: its name, its full id, a unique prefix of the id.
#include <signal.h>

#include <set>
#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kState;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

using LifecyclePs = lc::LifecycleTest;

// Catches: a running container missing from `ps`, its name not shown, and a status other than
// "Up" while it runs; and `ps` (without -a) still listing it once it has stopped.
TEST_F(LifecyclePs, ShowsRunningByName) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sleep", "30"});
  LAB_ASSERT_STATUS(run, 0, kState);

  const lab::Outcome ps = pocker.run({"ps"});
  LAB_EXPECT_STATUS(ps, 0, kState);
  const std::string line = line_with(ps, name);
  LAB_EXPECT(!line.empty(), "`ps` to list the running container by its name " + name, ps, kState);
  LAB_EXPECT(lc::has_word(line, "Up"), "its `ps` line to say \"Up\": " + line, ps, kState);
  LAB_EXPECT(line.find(lc::trimmed(run.out).substr(0, 12)) != std::string::npos,
             "its `ps` line to show the first 12 characters of its id: " + line, ps, kState);

  const lab::Outcome kill = pocker.run({"kill", name});
  LAB_EXPECT_STATUS(kill, 0, kState);
  pocker.run({"wait", name});
  const lab::Outcome after = pocker.run({"ps"});
  LAB_EXPECT(line_with(after, name).empty(), "`ps` without -a not to list a stopped container", after, kState);
}

// Catches: an exited container forgotten (ps -a must still show it), its exit status not recorded
// by the monitor, or shown as something other than docker's "Exited (3)".
TEST_F(LifecyclePs, AllShowsExitedWithStatus) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c", "exit 3"});
  LAB_ASSERT_STATUS(run, 0, kState);
  pocker.run({"wait", name});

  const lab::Outcome running = pocker.run({"ps"});
  LAB_EXPECT(line_with(running, name).empty(), "`ps` without -a not to list the exited container", running,
             kState);
  const lab::Outcome all = pocker.run({"ps", "-a"});
  LAB_EXPECT_STATUS(all, 0, kState);
  const std::string line = line_with(all, name);
  LAB_EXPECT(!line.empty(), "`ps -a` to list the exited container " + name, all, kState);
  LAB_EXPECT(line.find("Exited (3)") != std::string::npos, "its `ps -a` line to say \"Exited (3)\": " + line, all,
             kState);
}

// Catches: `ps -q` printing full ids, a header, or names instead of one 12-hex id a line, and
// `ps -q` / `ps -aq` disagreeing with -a about which containers they cover.
TEST_F(LifecyclePs, QuietPrintsShortIds) {
  const lab::Outcome up = detach({"busybox", "sleep", "30"});
  const lab::Outcome done = detach({"busybox", "true"});
  LAB_ASSERT_STATUS(up, 0, kState);
  LAB_ASSERT_STATUS(done, 0, kState);
  const std::string up_id = lc::trimmed(up.out), done_id = lc::trimmed(done.out);
  pocker.run({"wait", done_id});

  const lab::Outcome quiet = pocker.run({"ps", "-q"});
  LAB_EXPECT_STATUS(quiet, 0, kState);
  LAB_EXPECT_OUT_EQ(quiet, up_id.substr(0, 12) + "\n", kState);

  const lab::Outcome all = pocker.run({"ps", "-a", "-q"});
  LAB_EXPECT_STATUS(all, 0, kState);
  std::set<std::string> ids;
  for (const std::string& line : lc::lines_of(all.out)) {
    LAB_EXPECT(lc::is_hex(line, 12), "every `ps -aq` line to be a 12-hex id, not \"" + line + "\"", all, kState);
    ids.insert(line);
  }
  LAB_EXPECT((ids == std::set<std::string>{up_id.substr(0, 12), done_id.substr(0, 12)}),
             "`ps -aq` to list both containers, the running and the exited one", all, kState);
}

using LifecycleWait = lc::LifecycleTest;

// Catches: `wait` that returns at once (before the container ends) or prints something other
// than the exit status the monitor recorded.
TEST_F(LifecycleWait, PrintsExitStatus) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c", "sleep 0.6; exit 3"});
  LAB_ASSERT_STATUS(run, 0, kState);
  const auto start = lc::Clock::now();
  const lab::Outcome waited = pocker.run({"wait", name});
  const double took = lc::seconds_since(start);
  LAB_EXPECT_STATUS(waited, 0, kState);
  LAB_EXPECT_OUT_EQ(waited, "3\n", kState);
  LAB_EXPECT(took >= 0.3, "`wait` to wait for the container to end (it runs 0.6 s); it returned after " +
                              std::to_string(took) + " s",
             waited, kState);
}

using LifecycleInspect = lc::LifecycleTest;

// Catches: State.Pid that is not the container's process on the host, and a running container
// reported with any other State.Status than "running".
TEST_F(LifecycleInspect, RunningState) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sleep", "30"});
  LAB_ASSERT_STATUS(run, 0, kState);
  const nlohmann::json j = inspect(name, kState);
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j.contains("State") && j["State"].is_object()) << j.dump(2);
  EXPECT_EQ(j["State"].value("Status", ""), "running") << j.dump(2) << "\n  lesson: " << kState;
  EXPECT_EQ(j.value("Id", ""), lc::trimmed(run.out)) << "inspect's Id must be the id `run -d` printed\n"
                                                     << "  lesson: " << kState;
  const int pid = j["State"].value("Pid", 0);
  ASSERT_GT(pid, 0) << "State.Pid of a running container must be its process's pid on the host\n"
                    << j.dump(2) << "\n  lesson: " << kState;
  std::string cmdline = lab::read_file("/proc/" + std::to_string(pid) + "/cmdline");
  EXPECT_EQ(cmdline, std::string("sleep\0" "30\0", 9))
      << "State.Pid " << pid << " must be the container's command (sleep 30) as the host sees it\n"
      << "  lesson: " << kState;
}

// Catches: the exit status or the state not recorded when the container ends (the monitor must
// write them), or a stale pid left in State.Pid.
TEST_F(LifecycleInspect, ExitedState) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c", "exit 3"});
  LAB_ASSERT_STATUS(run, 0, kState);
  pocker.run({"wait", name});
  const nlohmann::json j = inspect(name, kState);
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j.contains("State") && j["State"].is_object()) << j.dump(2);
  const nlohmann::json& state = j["State"];
  EXPECT_EQ(state.value("Status", ""), "exited") << j.dump(2) << "\n  lesson: " << kState;
  EXPECT_EQ(state.value("ExitCode", -1), 3) << j.dump(2) << "\n  lesson: " << kState;
  EXPECT_EQ(state.value("OOMKilled", true), false) << j.dump(2) << "\n  lesson: " << kState;
  EXPECT_EQ(state.value("Pid", -1), 0) << "an exited container has no pid\n" << j.dump(2) << "\n  lesson: " << kState;
}

using LifecycleRefs = lc::LifecycleTest;

// Catches: a command that accepts only names (or only full ids), prefixes matched anywhere in the
// id rather than at its start, and an ambiguous prefix silently resolved to one container.
TEST_F(LifecycleRefs, NameFullIdAndPrefix) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sleep", "30"});
  LAB_ASSERT_STATUS(run, 0, kState);
  const std::string id = lc::trimmed(run.out);
  ASSERT_TRUE(lc::is_hex(id, 64)) << lab::describe(run);

  for (const std::string& ref : {name, id, id.substr(0, 7)}) {
    const nlohmann::json j = inspect(ref, kState);
    EXPECT_EQ(j.is_object() ? j.value("Id", "") : "", id) << "`inspect " << ref << "` must find the container\n"
                                                         << "  lesson: " << kState;
  }
  const lab::Outcome middle = pocker.run({"inspect", id.substr(5, 12)});
  LAB_EXPECT_STATUS(middle, 125, kState);  // a prefix is the start of the id, not any part of it
  const lab::Outcome taken = pocker.run({"run", "-d", "--name", name, "busybox", "true"});
  remember(lc::trimmed(taken.out));
  LAB_EXPECT_STATUS(taken, 125, kState);  // names are unique
  LAB_EXPECT_POCKER_ERROR(taken, name, kState);
}

using LifecycleRm = lc::LifecycleTest;

// Catches: `rm` without -f removing a running container (its process then runs on unsupervised),
// and `rm` of an exited one leaving its state or its name behind (the name cannot be reused).
TEST_F(LifecycleRm, RunningNeedsForceAndNameIsFreed) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sleep", "30"});
  LAB_ASSERT_STATUS(run, 0, kState);
  const lab::Outcome refused = pocker.run({"rm", name});
  LAB_EXPECT_STATUS(refused, 125, kState);
  EXPECT_EQ(status_of(name), "running") << "`rm` without -f must leave a running container alone\n  lesson: "
                                        << kState;
  const lab::Outcome forced = pocker.run({"rm", "-f", name});
  LAB_EXPECT_STATUS(forced, 0, kState);
  EXPECT_TRUE(lc::state_dirs(root()).empty()) << "`rm -f` must remove the container's state\n  lesson: " << kState;

  const lab::Outcome again = detach({"--name", name, "busybox", "true"});
  LAB_EXPECT_STATUS(again, 0, kState);  // the name is free again
}

}  // namespace
