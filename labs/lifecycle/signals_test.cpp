// PID 1 of a PID namespace gets no default signal actions: a SIGTERM it has no handler for does
// nothing. `stop` therefore sends SIGTERM, waits up to -t seconds, then SIGKILLs; a command with
// its own handler ends at once with its own status. `--init` puts a tiny init in front as PID 1:
// it forwards the signal to the command (no longer PID 1, so the default action kills it) and
// reaps the orphans that would otherwise stay zombies forever.
#include <algorithm>
#include <sstream>
#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kPid1;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

class LifecycleStop : public lc::LifecycleTest {
 protected:
  // Starts `sh -c SCRIPT` detached under a fresh name and waits until its log says "ready" (so a
  // trap is in place before the signal comes). Empty on failure (recorded).
  std::string start_ready(std::vector<std::string> flags, const std::string& script) {
    const std::string name = lab::unique_name();
    std::vector<std::string> args{"--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"busybox", "sh", "-c", script});
    const lab::Outcome run = detach(args);
    LAB_EXPECT_STATUS(run, 0, kPid1);
    if (run.status != 0) return "";
    const lab::Outcome logs = logs_until(name, "ready");
    LAB_EXPECT_OUT_HAS(logs, "ready", lab::lifecycle::kMonitor);
    return logs.out.find("ready") == std::string::npos ? "" : name;
  }

  // `stop -t TIMEOUT NAME`; its duration in seconds.
  double timed_stop(const std::string& name, const std::string& timeout, lab::Outcome& outcome) {
    const auto start = lc::Clock::now();
    outcome = pocker.run({"stop", "-t", timeout, name});
    return lc::seconds_since(start);
  }

  // `wait` and inspect's State.ExitCode both give `status`, and State.Status is "exited".
  void expect_exit(const std::string& name, int status) {
    const lab::Outcome waited = pocker.run({"wait", name});
    LAB_EXPECT_OUT_EQ(waited, std::to_string(status) + "\n", kPid1);
    const nlohmann::json j = inspect(name, kPid1);
    if (!j.is_object() || !j.contains("State")) return;
    EXPECT_EQ(j["State"].value("ExitCode", -1), status) << j.dump(2) << "\n  lesson: " << kPid1;
    EXPECT_EQ(j["State"].value("Status", ""), "exited") << j.dump(2) << "\n  lesson: " << kPid1;
  }
};

// Catches: no SIGKILL after the timeout (stop hangs, or returns with the container still up), a
// SIGKILL sent at once (no grace period), and the death by SIGKILL not recorded as 137.
TEST_F(LifecycleStop, IgnoredTermKilledAfterTimeout) {
  const std::string name = start_ready({}, "trap '' TERM; echo ready; while true; do sleep 0.1; done");
  if (name.empty()) return;
  lab::Outcome stop;
  const double took = timed_stop(name, "1", stop);
  LAB_EXPECT_STATUS(stop, 0, kPid1);
  LAB_EXPECT_OUT_EQ(stop, name + "\n", kPid1);  // stop prints each container as it was named
  LAB_EXPECT(took >= 0.9 && took <= 3.0,
             "`stop -t 1` of a container that ignores SIGTERM to take 1-3 s (SIGTERM, 1 s, SIGKILL); it took " +
                 std::to_string(took) + " s",
             stop, kPid1);
  expect_exit(name, 137);
}

// Catches: stop that does not send SIGTERM first (a SIGKILL gives 137, not the trap's 7), or that
// sleeps out the whole timeout even though the container ended at once.
TEST_F(LifecycleStop, HandledTermEndsQuicklyWithOwnStatus) {
  const std::string name = start_ready({}, "trap 'exit 7' TERM; echo ready; while true; do sleep 0.1; done");
  if (name.empty()) return;
  lab::Outcome stop;
  const double took = timed_stop(name, "10", stop);
  LAB_EXPECT_STATUS(stop, 0, kPid1);
  LAB_EXPECT(took < 1.0,
             "`stop -t 10` of a container that exits on SIGTERM to return within 1 s; it took " +
                 std::to_string(took) + " s",
             stop, kPid1);
  expect_exit(name, 7);
}

// Catches: `kill -s` ignoring the signal given (always SIGKILL), or not reaching the container.
TEST_F(LifecycleStop, KillSendsTheNamedSignal) {
  const std::string name = start_ready({}, "trap 'exit 9' USR1; echo ready; while true; do sleep 0.1; done");
  if (name.empty()) return;
  const lab::Outcome kill = pocker.run({"kill", "-s", "USR1", name});
  LAB_EXPECT_STATUS(kill, 0, kPid1);
  expect_exit(name, 9);
}

using LifecycleInit = LifecycleStop;

// Catches: --init that does not forward SIGTERM to the command (stop then waits out its timeout
// and SIGKILLs: 137 after 5 s), or that forwards it but reports its own status instead of the
// command's death by SIGTERM (143).
TEST_F(LifecycleInit, ForwardsTermToCommand) {
  // No trap: sh is not PID 1 behind the init, so SIGTERM's default action kills it.
  const std::string name = start_ready({"--init"}, "echo ready; while true; do sleep 0.1; done");
  if (name.empty()) return;
  lab::Outcome stop;
  const double took = timed_stop(name, "5", stop);
  LAB_EXPECT_STATUS(stop, 0, kPid1);
  LAB_EXPECT(took < 2.0,
             "`stop -t 5` of an --init container to return within 2 s (init forwards SIGTERM); it took " +
                 std::to_string(took) + " s",
             stop, kPid1);
  expect_exit(name, 143);
}

// The same container without --init: sh is PID 1 and has no handler, so SIGTERM does nothing and
// stop must wait out its timeout. Catches: a stop that skips the grace period (SIGKILL at once).
TEST_F(LifecycleInit, WithoutInitTermWaitsForTimeout) {
  const std::string name = start_ready({}, "echo ready; while true; do sleep 0.1; done");
  if (name.empty()) return;
  lab::Outcome stop;
  const double took = timed_stop(name, "2", stop);
  LAB_EXPECT_STATUS(stop, 0, kPid1);
  LAB_EXPECT(took >= 1.8 && took <= 4.0,
             "`stop -t 2` of a PID 1 without a SIGTERM handler to take the whole 2 s; it took " +
                 std::to_string(took) + " s",
             stop, kPid1);
  expect_exit(name, 137);
}

class LifecycleZombies : public lc::LifecycleTest {
 protected:
  struct PsLine {
    int pid = 0;
    std::string stat, comm;
  };

  // Starts `busybox sleep 30` (with FLAGS), orphans a short `sleep 0.1` inside it through exec
  // (the exec'd shell exits at once, so the kernel hands its child to the namespace's PID 1), and
  // returns `ps -o pid,stat,comm` from inside once that child has had time to end (polled up to
  // 2 s more until it shows a zombie or none, as `want_zombie` says).
  lab::Outcome orphan_then_ps(std::vector<std::string> flags, bool want_zombie) {
    const std::string name = lab::unique_name();
    std::vector<std::string> args{"--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"busybox", "sleep", "30"});
    const lab::Outcome run = detach(args);
    if (run.status != 0) return run;
    const lab::Outcome orphan = pocker.run({"exec", name, "sh", "-c", "sleep 0.1 &"});
    if (orphan.status != 0) return orphan;
    std::this_thread::sleep_for(500ms);  // the orphan has ended by now: a zombie, or reaped
    lab::Outcome ps;
    // Poll for what is expected, so a slow start does not decide; the other answer stays for good.
    lc::eventually(
        [&] {
          ps = pocker.run({"exec", name, "ps", "-o", "pid,stat,comm"});
          return ps.status == 0 && has_zombie(parse(ps.out)) == want_zombie;
        },
        2s, 200ms);
    return ps;
  }

  static std::vector<PsLine> parse(const std::string& ps) {
    std::vector<PsLine> lines;
    for (const std::string& text : lc::lines_of(ps)) {
      std::istringstream fields(text);
      PsLine line;
      if (fields >> line.pid >> line.stat >> line.comm) lines.push_back(line);  // skips the header
    }
    return lines;
  }

  static bool has_zombie(const std::vector<PsLine>& lines) {
    return std::any_of(lines.begin(), lines.end(), [](const PsLine& l) { return l.stat.starts_with("Z"); });
  }

  // The command of PID 1 in `ps`, or "" when there is no PID 1 (not the container's own view).
  static std::string pid1(const std::vector<PsLine>& lines) {
    for (const PsLine& l : lines) {
      if (l.pid == 1) return l.comm;
    }
    return "";
  }
};

// Catches: an --init that does not reap orphans it adopts (waitpid only for its own child), or no
// init at all (`sleep` as PID 1 never calls wait).
TEST_F(LifecycleZombies, InitReapsOrphans) {
  const lab::Outcome ps = orphan_then_ps({"--init"}, false);
  LAB_EXPECT_STATUS(ps, 0, kPid1);
  const std::vector<PsLine> lines = parse(ps.out);
  const bool command_under_init = std::any_of(lines.begin(), lines.end(), [](const PsLine& l) {
    return l.pid != 1 && l.comm == "sleep";
  });
  LAB_EXPECT(!pid1(lines).empty() && pid1(lines) != "sleep" && command_under_init && lines.size() <= 5,
             "the container's own processes: an init as PID 1 and the command (sleep) as its child", ps, kPid1);
  LAB_EXPECT(!has_zombie(lines), "no zombie (no process in state Z) in the --init container 2 s after its orphan ended",
             ps, kPid1);
}

// The lesson's starting point, without --init: the orphan is handed to PID 1 (`sleep 30`), which
// never waits, so its zombie stays. Catches: an exec that does not join the PID namespace (the
// orphan then goes to a host process, and ps shows the host's processes, not the container's).
TEST_F(LifecycleZombies, WithoutInitOrphanStaysZombie) {
  const lab::Outcome ps = orphan_then_ps({}, true);
  LAB_EXPECT_STATUS(ps, 0, kPid1);
  const std::vector<PsLine> lines = parse(ps.out);
  LAB_EXPECT(pid1(lines) == "sleep" && lines.size() <= 5,
             "the container's own processes, with its command (sleep) as PID 1", ps, kPid1);
  const bool sleep_zombie = std::any_of(lines.begin(), lines.end(), [](const PsLine& l) {
    return l.pid != 1 && l.stat.starts_with("Z") && l.comm == "sleep";
  });
  LAB_EXPECT(sleep_zombie, "a zombie `sleep` (state Z) in `ps`: sleep as PID 1 never reaps its orphans", ps, kPid1);
}

}  // namespace
