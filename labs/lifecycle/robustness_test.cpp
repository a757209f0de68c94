// What must hold however pocker is used or abused: many `run -d` at once each get their own id,
// name and state; `rm -f` leaves nothing behind (no state, cgroup, mount or process); and when the
// process that supervises a container is SIGKILLed (the monitor of `run -d`, or a foreground
// `pocker run`), pocker never again reports the container as running, and `rm -f` still cleans up.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kMonitor;
using lab::lifecycle::kState;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

// While it lives, this test process is a child subreaper (PR_SET_CHILD_SUBREAPER): a pocker
// monitor whose `pocker run -d` exits is handed to us rather than to the host's init, so that once
// it is SIGKILLed it stays a zombie (dead, not yet reaped) until reap() — the moment in which a
// host whose init reaps late, or a supervisor that is a subreaper, leaves it. Without this, how
// long that moment lasts depends on the host. Reaps what it adopted when it goes. Only for a test
// that has no lab::Background running when it goes (it reaps any child that has ended).
class Subreaper {
 public:
  Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~Subreaper() {
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    for (pid_t pid : adopted_) reap(pid);
    // The container's process was handed to us too when its monitor died: reap what has ended.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;
  void adopted(pid_t pid) { adopted_.push_back(pid); }
  // Reaps `pid` if it is our child and has ended (waiting up to 2 s for it to end).
  static void reap(pid_t pid) {
    const auto until = lc::Clock::now() + 2s;
    while (::waitpid(pid, nullptr, WNOHANG) == 0 && lc::Clock::now() < until) std::this_thread::sleep_for(20ms);
  }

 private:
  std::vector<pid_t> adopted_;
};

class LifecycleCleanup : public lc::LifecycleTest {
 protected:
  // Every container's full id, as its state directory names it; each remembered, so that the
  // fixture sweeps its cgroups even once `rm -f` has removed the state directory.
  std::vector<std::string> all_ids() {
    std::vector<std::string> ids = lc::state_dirs(root());
    for (const std::string& id : ids) remember(id);
    return ids;
  }

  // `rm -f` of these ids, then: nothing left of them within 5 s (a monitor may take a moment to
  // exit after it recorded the end, and a killed container's last zombies to be reaped).
  void expect_rm_cleans(std::vector<std::string> ids, const char* hint) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const std::string& id : ids) remember(id);
    std::vector<std::string> rm{"rm", "-f"};
    rm.insert(rm.end(), ids.begin(), ids.end());
    lab::RunOptions opts;
    opts.timeout = 60s;
    lab::Outcome removed;
    if (ids.empty()) {
      removed.argv = {"(no container to remove)"};
      removed.status = 0;
    } else {
      removed = pocker.run(rm, opts);
    }
    LAB_EXPECT_STATUS(removed, 0, hint);
    std::vector<std::string> left;
    lc::eventually([&] { return (left = lc::leftovers(root(), ids)).empty(); }, 5s);
    LAB_EXPECT(left.empty(), "nothing left after `rm -f` of every container; left:\n    " + lc::joined(left),
               removed, hint);
    const lab::Outcome ps = pocker.run({"ps", "-a", "-q"});
    LAB_EXPECT_OUT_EQ(ps, "", hint);
  }

  // The live pocker-monitor processes of this test's root.
  std::vector<lc::Process> monitors() {
    std::vector<lc::Process> found;
    for (const lc::Process& p : lc::processes_mentioning(root())) {
      if (p.comm == "pocker-monitor") found.push_back(p);
    }
    return found;
  }
};

// Catches: races between concurrent runs (the same id or generated name handed out twice, a
// state file or the names directory written without O_EXCL or a lock, a shared cgroup parent
// removed under another container), and an `rm -f` of many that leaves any of them behind.
TEST_F(LifecycleCleanup, TwentyConcurrentRunsThenRmLeavesNothing) {
  constexpr int kCount = 20;
  lab::RunOptions opts;
  opts.timeout = 60s;
  std::vector<lab::Background> runs;
  for (int i = 0; i < kCount; ++i) {
    runs.push_back(pocker.start({"run", "-d", "busybox", "sh", "-c", "sleep 30; : " + root()}, opts));
  }
  std::set<std::string> ids;
  for (lab::Background& run : runs) {
    const lab::Outcome outcome = run.wait();
    remember(lc::trimmed(outcome.out));
    LAB_EXPECT_STATUS(outcome, 0, kState);
    LAB_EXPECT(lc::is_hex(lc::trimmed(outcome.out), 64), "a 64-hex id from each `run -d`", outcome, kState);
    ids.insert(lc::trimmed(outcome.out));
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCount)) << "the concurrent runs must all get distinct ids\n  lesson: "
                                                     << kState;

  const lab::Outcome ps = pocker.run({"ps", "-a"});
  std::set<std::string> names;
  int up = 0;
  for (const std::string& line : lc::lines_of(ps.out)) {
    if (line.starts_with("CONTAINER ID")) continue;
    const size_t last_space = lc::trimmed(line).find_last_of(' ');
    if (last_space != std::string::npos) names.insert(lc::trimmed(line).substr(last_space + 1));
    up += lc::has_word(line, "Up") ? 1 : 0;
  }
  LAB_EXPECT(names.size() == kCount && up == kCount,
             "`ps -a` to list " + std::to_string(kCount) + " running containers with distinct names", ps, kState);

  std::vector<std::string> every = all_ids();
  EXPECT_EQ(every.size(), static_cast<size_t>(kCount)) << "one state directory per container\n  lesson: " << kState;
  every.insert(every.end(), ids.begin(), ids.end());
  expect_rm_cleans(every, kState);
}

// Catches: a container that outlives its monitor (no PR_SET_PDEATHSIG, or the monitor not its
// parent), a state that says "running" while the monitor is dead — a dead process that is only
// waiting to be reaped (a zombie) is not running either — and an `rm -f` that, with no monitor to
// clean up, leaves the container's cgroup or state behind.
TEST_F(LifecycleCleanup, KilledMonitorNeverReportedRunning) {
  const std::string name = lab::unique_name();
  Subreaper subreaper;
  const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c", "sleep 30; : " + root()});
  LAB_ASSERT_STATUS(run, 0, kMonitor);
  std::vector<lc::Process> found = monitors();
  ASSERT_EQ(found.size(), 1u) << "expected one process named pocker-monitor with " << root()
                              << " in its command line, found:\n    "
                              << lc::joined(lc::describe_processes(found)) << "\n  lesson: " << kMonitor;
  const pid_t monitor = found[0].pid;
  subreaper.adopted(monitor);
  const std::vector<std::string> ids = all_ids();

  ASSERT_EQ(::kill(monitor, SIGKILL), 0);
  ASSERT_TRUE(lc::eventually([&] { return lc::process_dead(monitor); }, 5s)) << "the monitor did not die";
  // The container's own process must die with it.
  std::vector<lc::Process> orphans;
  const bool gone = lc::eventually([&] { return (orphans = lc::processes_mentioning(root())).empty(); }, 2s);
  EXPECT_TRUE(gone) << "the container still runs 2 s after its monitor was SIGKILLed (it must die with it: "
                       "PR_SET_PDEATHSIG):\n    "
                    << lc::joined(lc::describe_processes(orphans)) << "\n  lesson: " << kMonitor;

  // Asked while the dead monitor is a zombie (see Subreaper), then again once it is reaped.
  for (const char* when : {"dead, not yet reaped", "reaped"}) {
    const lab::Outcome ps = pocker.run({"ps", "-a"});
    const std::string line = line_with(ps, name);
    LAB_EXPECT(!line.empty() && !lc::has_word(line, "Up"),
               std::string("`ps -a` to show the container as not running (Dead or Exited) once its monitor is ") +
                   when + " (a zombie runs nothing: /proc/PID/stat says Z): " + line,
               ps, kMonitor);
    EXPECT_NE(status_of(name), "running") << "inspect's State.Status once the monitor is " << when
                                          << "\n  lesson: " << kMonitor;
    Subreaper::reap(monitor);
  }
  const lab::Outcome waited = pocker.run({"wait", name}, lab::RunOptions{.timeout = 10s});
  EXPECT_FALSE(waited.timed_out) << "`wait` must not wait forever for a container whose monitor is dead\n"
                                 << lab::describe(waited) << "  lesson: " << kMonitor;

  expect_rm_cleans(ids, kMonitor);
}

// Catches: a foreground container that outlives its SIGKILLed `pocker run`, state that still says
// running afterwards, and `rm -f` leaving state, cgroups or processes of such a container.
TEST_F(LifecycleCleanup, KilledForegroundRunMidRun) {
  const std::string name = lab::unique_name();
  lab::Background running =
      pocker.start({"run", "--name", name, "busybox", "sh", "-c", "echo started; sleep 30; : " + root()});
  ASSERT_TRUE(running.wait_for_stdout("started", 20s)) << "the container did not start\n  stderr: " << running.err();
  // Mid-run: pocker itself says it runs (its state may be written just after the command starts).
  EXPECT_TRUE(lc::eventually([&] { return status_of(name) == "running"; }, 10s))
      << "inspect's State.Status never became \"running\" for a container that runs\n  lesson: " << kState;
  const std::vector<std::string> ids = all_ids();
  const pid_t pid = running.pid();
  ASSERT_TRUE(running.signal(SIGKILL));
  ASSERT_TRUE(lc::eventually([&] { return lc::process_dead(pid); }, 5s)) << "pocker run did not die";

  std::vector<lc::Process> orphans;
  const bool gone = lc::eventually([&] { return (orphans = lc::processes_mentioning(root())).empty(); }, 2s);
  EXPECT_TRUE(gone) << "the container still runs 2 s after its `pocker run` was SIGKILLed:\n    "
                    << lc::joined(lc::describe_processes(orphans)) << "\n  lesson: " << kMonitor;
  // Asked while the dead `pocker run` is still our unreaped child, then again once reaped.
  auto expect_not_up = [&](const char* when) {
    const lab::Outcome ps = pocker.run({"ps", "-a"});
    const std::string line = line_with(ps, name);
    LAB_EXPECT(!line.empty() && !lc::has_word(line, "Up"),
               std::string("`ps -a` to show the container as not running once its `pocker run` is ") + when + ": " +
                   line,
               ps, kMonitor);
  };
  expect_not_up("dead, not yet reaped");
  running.wait();
  expect_not_up("reaped");
  expect_rm_cleans(ids, kMonitor);
}

// Catches: the same when `pocker run` dies while still setting the container up: whatever moment
// it dies at, pocker must never afterwards claim the container runs, no process may survive, and
// `rm -f` removes what there is.
TEST_F(LifecycleCleanup, KilledForegroundRunMidStart) {
  // A foreground run takes some 0.1-0.3 s to start its command here: these delays cover all of it.
  const std::vector<int> delays_ms{0, 5, 15, 30, 50, 75, 100, 130, 160, 200, 250, 300, 400};
  std::vector<std::string> ids;
  for (int delay : delays_ms) {
    lab::Background running = pocker.start({"run", "busybox", "sh", "-c", "sleep 30; : " + root()});
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    const pid_t pid = running.pid();
    running.signal(SIGKILL);
    lc::eventually([&] { return lc::process_dead(pid); }, 5s);
    const lab::Outcome dead = pocker.run({"ps", "-a"});  // asked before we reap it
    LAB_EXPECT(dead.status == 0 && !lc::has_word(dead.out, "Up"),
               "`ps -a` to show no container as Up once `pocker run` is dead (SIGKILLed " + std::to_string(delay) +
                   " ms after it started; not yet reaped)",
               dead, kMonitor);
    running.wait();
    for (const std::string& id : all_ids()) ids.push_back(id);

    std::vector<lc::Process> orphans;
    const bool gone = lc::eventually([&] { return (orphans = lc::processes_mentioning(root())).empty(); }, 2s);
    EXPECT_TRUE(gone) << "a container process still runs 2 s after its `pocker run` was SIGKILLed " << delay
                      << " ms after it started:\n    " << lc::joined(lc::describe_processes(orphans))
                      << "\n  lesson: " << kMonitor;
    const lab::Outcome ps = pocker.run({"ps", "-a"});
    LAB_EXPECT(ps.status == 0 && !lc::has_word(ps.out, "Up"),
               "`ps -a` to show no container as Up after `pocker run` was SIGKILLed " + std::to_string(delay) +
                   " ms after it started",
               ps, kMonitor);
  }
  expect_rm_cleans(ids, kMonitor);
}

}  // namespace
