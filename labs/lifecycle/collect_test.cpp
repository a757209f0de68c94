// A `--rm` container is removed however its pocker ends. When the `pocker run --rm` (or the monitor
// of `run -d --rm`) is SIGKILLed, it cannot remove the container itself: the container dies with it
// (PR_SET_PDEATHSIG), and the next pocker command must remove what is left (its state directory,
// its name, its cgroup), so that `ps -a` never shows it again. A container whose pocker still runs
// must never be touched, and one whose processes still run (they outlived their pocker) waits
// until they end.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kPockerDies;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

class LifecycleCollect : public lc::LifecycleTest {
 protected:
  // The files under <root>/names (one per container name pocker holds).
  std::vector<std::string> name_files() {
    std::vector<std::string> names;
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator(root() + "/names", ignored)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  // Every container id pocker knows of now: its state directories and the ids its name files
  // hold (a name is reserved before the directory is made). Each remembered for the fixture.
  std::vector<std::string> known_ids() {
    std::vector<std::string> ids = lc::state_dirs(root());
    for (const std::string& name : name_files()) {
      const std::string id = lc::trimmed(lab::read_file(root() + "/names/" + name));
      if (lc::is_hex(id, 64)) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const std::string& id : ids) remember(id);
    return ids;
  }

  // What is left of `ids`: state directories, name files that hold them, cgroups.
  std::vector<std::string> left_of(const std::vector<std::string>& ids) {
    std::vector<std::string> left;
    for (const std::string& id : lc::state_dirs(root())) {
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) left.push_back("state: " + root() + "/containers/" + id);
    }
    for (const std::string& name : name_files()) {
      const std::string id = lc::trimmed(lab::read_file(root() + "/names/" + name));
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) left.push_back("name: " + root() + "/names/" + name);
    }
    for (const std::string& dir : lc::cgroup_dirs_of(ids)) left.push_back("cgroup: " + dir);
    return left;
  }

  // True when no live process is left in any cgroup directory of container `id` (a zombie has
  // ended; it only waits to be reaped).
  static bool cgroup_has_ended(const std::string& id) {
    for (const std::string& dir : lc::cgroup_dirs_of({id})) {
      for (const std::string& line : lc::lines_of(lab::read_file(dir + "/cgroup.procs"))) {
        if (!line.empty() && !lc::process_dead(static_cast<pid_t>(std::stol(line)))) return false;
      }
    }
    return true;
  }

  // The lines of `ps -a` below its header.
  static std::vector<std::string> containers_listed(const lab::Outcome& ps) {
    std::vector<std::string> lines = lc::lines_of(ps.out);
    if (!lines.empty()) lines.erase(lines.begin());
    return lines;
  }

  // Kills `running` (a `pocker run --rm`) with SIGKILL, reaps it, and waits until no process of
  // the test's root is left. Ended means every process in the cgroups of `ids` too: the
  // container's init, once it has begun to exit, has no command line left to name the root, yet
  // it stays in its cgroup (not a zombie) until the kernel has killed and reaped the rest of its
  // PID namespace; until then the product rightly keeps the container.
  void kill_and_reap(lab::Background& running, const std::vector<std::string>& ids) {
    const pid_t pid = running.pid();
    running.signal(SIGKILL);
    lc::eventually([&] { return lc::process_dead(pid); }, 5s);
    running.wait();
    std::vector<lc::Process> orphans;
    const bool gone = lc::eventually(
        [&] {
          orphans = lc::processes_mentioning(root());
          const std::vector<std::string> now = known_ids();
          return orphans.empty() && std::all_of(ids.begin(), ids.end(), cgroup_has_ended) &&
                 std::all_of(now.begin(), now.end(), cgroup_has_ended);
        },
        2s);
    EXPECT_TRUE(gone) << "a container process still runs 2 s after its `pocker run --rm` was SIGKILLed (in its cgroup, or:)\n    "
                      << lc::joined(lc::describe_processes(orphans)) << "\n  lesson: " << lc::kMonitor;
  }

  // One more pocker command (`ps -a`) after `ids` lost their pocker: it lists none of them, and
  // nothing of them is left.
  void expect_collected(const std::vector<std::string>& ids, const std::string& when) {
    const lab::Outcome ps = pocker.run({"ps", "-a"});
    LAB_EXPECT(ps.status == 0 && containers_listed(ps).empty(),
               "`ps -a` to list no container once the `--rm` container's pocker is dead (" + when + ")", ps,
               kPockerDies);
    const std::vector<std::string> left = left_of(ids);
    LAB_EXPECT(left.empty(),
               "nothing left of the `--rm` container after one more pocker command (" + when + "); still there:\n    " +
                   lc::joined(left),
               ps, kPockerDies);
  }
};

// Catches: a `--rm` container whose `pocker run` was SIGKILLed while it ran staying in `ps -a` as
// Dead for good, with its state directory, name and cgroup.
TEST_F(LifecycleCollect, KilledRmRunMidRun) {
  const std::string name = lab::unique_name();
  lab::Background running =
      pocker.start({"run", "--rm", "--name", name, "busybox", "sh", "-c", "echo started; sleep 30; : " + root()});
  ASSERT_TRUE(running.wait_for_stdout("started", 20s)) << "the container did not start\n  stderr: " << running.err();
  EXPECT_TRUE(lc::eventually([&] { return status_of(name) == "running"; }, 10s))
      << "inspect's State.Status never became \"running\" for a container that runs\n  lesson: " << lc::kState;
  const std::vector<std::string> ids = known_ids();
  ASSERT_EQ(ids.size(), 1u) << "expected the one container's state directory under " << root();
  kill_and_reap(running, ids);
  expect_collected(ids, "SIGKILLed while its command ran");
}

// Catches: the same when `pocker run --rm` dies at any other moment: while it makes the container,
// while the container starts, just after its command ended, while it removes the container.
TEST_F(LifecycleCollect, KilledRmRunAtEveryPhase) {
  // Unpacked once first, so that the delays below land in the container's phases, not the image's.
  const lab::Outcome first = pocker.run({"run", "--rm", "busybox", "true"});
  LAB_ASSERT_STATUS(first, 0, lc::kState);
  struct Pass {
    std::vector<std::string> command;
    std::vector<int> delays_ms;
  };
  // A long command for the start (0.1-0.3 s here), a short one for the end and the removal.
  const std::vector<Pass> passes{
      {{"sh", "-c", "sleep 30; : " + root()}, {0, 5, 15, 30, 50, 75, 100, 130, 160, 200, 250, 300, 400}},
      {{"true"}, {2, 4, 6, 8, 10, 12, 14, 17, 20, 24, 28, 33, 40, 50, 65, 80}},
  };
  for (const Pass& pass : passes) {
    for (int delay : pass.delays_ms) {
      std::vector<std::string> args{"run", "--rm", "busybox"};
      args.insert(args.end(), pass.command.begin(), pass.command.end());
      lab::Background running = pocker.start(args);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      const std::vector<std::string> before = known_ids();
      kill_and_reap(running, before);
      std::vector<std::string> ids = known_ids();
      ids.insert(ids.end(), before.begin(), before.end());
      expect_collected(ids, "`run --rm busybox " + pass.command.front() + "` SIGKILLed " + std::to_string(delay) +
                                " ms after it started");
      if (HasFailure()) return;  // one phase's report is enough
    }
  }
}

// Catches: a SIGKILLed monitor of `run -d --rm` leaving its container Dead in `ps -a`; and a
// collection that takes a `--rm` container whose monitor is alive.
TEST_F(LifecycleCollect, KilledRmMonitorAndLiveNeighbour) {
  const std::string doomed = lab::unique_name("doomed");
  const std::string alive = lab::unique_name("alive");
  for (const std::string& name : {doomed, alive}) {
    const lab::Outcome run =
        detach({"--rm", "--name", name, "busybox", "sh", "-c", "sleep 30; : " + root() + " " + name});
    LAB_ASSERT_STATUS(run, 0, lc::kMonitor);
  }
  std::vector<lc::Process> monitors;
  for (const lc::Process& p : lc::processes_mentioning(root())) {
    if (p.comm == "pocker-monitor" && p.cmdline.find(doomed) != std::string::npos) monitors.push_back(p);
  }
  ASSERT_EQ(monitors.size(), 1u) << "expected one pocker-monitor whose command line names " << doomed << ", found:\n    "
                                 << lc::joined(lc::describe_processes(monitors)) << "\n  lesson: " << lc::kMonitor;
  const std::string doomed_id = lc::trimmed(lab::read_file(root() + "/names/" + doomed));
  ASSERT_TRUE(lc::is_hex(doomed_id, 64)) << "expected " << root() << "/names/" << doomed << " to hold the id";

  ASSERT_EQ(::kill(monitors[0].pid, SIGKILL), 0);
  // Ended means every process of its cgroup, not just the shell whose command line names it: the
  // shell's `sleep` (killed when the PID namespace's init died) may outlive it by a moment, and
  // until it is gone the container is rightly left for a later command.
  std::vector<lc::Process> orphans;
  const bool gone = lc::eventually(
      [&] {
        orphans.clear();
        for (const lc::Process& p : lc::processes_mentioning(doomed)) orphans.push_back(p);
        return orphans.empty() && cgroup_has_ended(doomed_id);
      },
      5s);
  EXPECT_TRUE(gone) << "the container still runs 5 s after its monitor was SIGKILLed:\n    "
                    << lc::joined(lc::describe_processes(orphans)) << "\n  lesson: " << lc::kMonitor;

  const lab::Outcome ps = pocker.run({"ps", "-a"});
  LAB_EXPECT(line_with(ps, doomed).empty(), "`ps -a` not to list the `--rm` container whose monitor was SIGKILLed", ps,
             kPockerDies);
  LAB_EXPECT(lc::has_word(line_with(ps, alive), "Up"), "`ps -a` to list the other `--rm` container as Up", ps,
             kPockerDies);
  const std::vector<std::string> left = left_of({doomed_id});
  LAB_EXPECT(left.empty(), "nothing left of the `--rm` container whose monitor was SIGKILLed; still there:\n    " +
                               lc::joined(left), ps, kPockerDies);
  // The live one is untouched by more commands too.
  for (int i = 0; i < 3; ++i) pocker.run({"ps", "-a"});
  EXPECT_EQ(status_of(alive), "running") << "the `--rm` container whose monitor lives must keep running\n  lesson: "
                                         << kPockerDies;
}

// Catches: a container collected (or left forever) while processes of it still run. With the
// host's PID namespace, a child of the container's first process outlives it when pocker is
// SIGKILLed: the container stays until that child ends, and goes with the next command after.
TEST_F(LifecycleCollect, WaitsForProcessesToEnd) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: without a cgroup pocker cannot see the processes";
  const std::string name = lab::unique_name();
  const std::string survivor = "sleep 2; : " + root() + " survivor";
  lab::Background running = pocker.start({"run", "--rm", "--pid", "host", "--name", name, "busybox", "sh", "-c",
                                          "sh -c '" + survivor + "' & echo started; wait"});
  ASSERT_TRUE(running.wait_for_stdout("started", 20s)) << "the container did not start\n  stderr: " << running.err();
  const std::vector<std::string> ids = known_ids();
  ASSERT_EQ(ids.size(), 1u) << "expected the one container's state directory under " << root();
  const pid_t pid = running.pid();
  running.signal(SIGKILL);
  lc::eventually([&] { return lc::process_dead(pid); }, 5s);
  running.wait();
  ASSERT_FALSE(lc::processes_mentioning(root() + " survivor").empty())
      << "expected the container's background `sh` to outlive its SIGKILLed pocker (--pid host)";

  const lab::Outcome early = pocker.run({"ps", "-a"});
  EXPECT_EQ(lc::state_dirs(root()).size(), 1u)
      << "a container whose processes still run was removed (its state directory is gone)\n"
      << lab::describe(early) << "  lesson: " << kPockerDies;

  EXPECT_TRUE(lc::eventually([&] { return lc::processes_mentioning(root() + " survivor").empty(); }, 10s))
      << "the container's `sleep 2` did not end";
  expect_collected(ids, "SIGKILLed while a process of the container outlived it, which has ended since");
}

// Catches: the rest of a removal whose pocker was killed halfway staying on disk for good. pocker
// renames a container's directory to `containers/.removing-<id>` before it deletes it (so nothing
// can add to it meanwhile); the rest of one left by a killed `rm` is planted here, as the moment of
// the kill is too short to hit from outside.
TEST_F(LifecycleCollect, LeftoverOfKilledRemovalIsDeleted) {
  const lab::Outcome first = pocker.run({"run", "--rm", "busybox", "true"});
  LAB_ASSERT_STATUS(first, 0, lc::kState);
  const std::string leftover = root() + "/containers/.removing-" + std::string(64, 'a');
  std::filesystem::create_directories(leftover + "/upper/etc");
  std::filesystem::create_directories(leftover + "/work/work");
  std::ofstream(leftover + "/upper/etc/passwd") << "root:x:0:0::/root:/bin/sh\n";
  std::ofstream(leftover + "/state.json") << "{}";
  const lab::Outcome ps = pocker.run({"ps", "-a"});
  LAB_ASSERT_STATUS(ps, 0, kPockerDies);
  LAB_EXPECT(!std::filesystem::exists(leftover),
             "one more pocker command to delete " + leftover + ", the rest of a removal whose pocker was killed",
             ps, kPockerDies);
}

}  // namespace
