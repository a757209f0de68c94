// Two commands on one container at the same time: each pair runs 20 times, both commands started
// together, and after each round the container is where exactly one of the two orders would have
// left it, with nothing else left on the host: no state directory that `ps -a` does not list, no
// cgroup directory of a container that does not run, no process. And a container whose state file
// is junk stays manageable: `ps -a` lists it, `inspect` says what is wrong, `rm -f` removes it.
#include <fstream>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kOneAtATime;
using lab::lifecycle::kUnreadable;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

constexpr int kRounds = 20;

class LifecycleConcurrency : public lc::LifecycleTest {
 protected:
  // Both commands started before either is waited for.
  std::pair<lab::Outcome, lab::Outcome> race(std::vector<std::string> first, std::vector<std::string> second) {
    lab::RunOptions opts;
    opts.timeout = 30s;
    lab::Background a = pocker.start(std::move(first), opts);
    lab::Background b = pocker.start(std::move(second), opts);
    lab::Outcome done_a = a.wait();
    lab::Outcome done_b = b.wait();
    return {std::move(done_a), std::move(done_b)};
  }

  // A running container whose processes name the root (so that leftovers() finds them); its id.
  std::string sleeper(const std::string& name) {
    const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c", "sleep 30; : " + root()});
    LAB_EXPECT_STATUS(run, 0, kOneAtATime);
    return lc::trimmed(run.out);
  }

  // Kills it and waits until the monitor has recorded the end.
  void halt(const std::string& name) {
    pocker.run({"kill", name});
    lab::RunOptions opts;
    opts.timeout = 10s;
    pocker.run({"wait", name}, opts);
  }

  std::vector<lc::Process> monitors() {
    std::vector<lc::Process> found;
    for (const lc::Process& p : lc::processes_mentioning(root())) {
      if (p.comm == "pocker-monitor") found.push_back(p);
    }
    return found;
  }

  // Nothing of these containers on the host (within 5 s: a monitor may take a moment to exit),
  // and `ps -a` empty.
  void expect_nothing_left(const std::vector<std::string>& ids, const std::string& round, const lab::Outcome& cause) {
    std::vector<std::string> left;
    lc::eventually([&] { return (left = lc::leftovers(root(), ids)).empty(); }, 5s);
    LAB_EXPECT(left.empty(), round + ": nothing left; left:\n    " + lc::joined(left), cause, kOneAtATime);
    const lab::Outcome ps = pocker.run({"ps", "-a", "-q"});
    LAB_EXPECT_OUT_EQ(ps, "", kOneAtATime);
  }

  static std::string round_of(int i) { return "round " + std::to_string(i + 1) + " of " + std::to_string(kRounds); }
};

// Catches: two `start`s that both launch a monitor, the second failing half-way (the overlay is
// already mounted, the cgroup already there) and its clean-up killing the container the first one
// started. docker's answer for a container that already runs: exit 0, nothing done.
TEST_F(LifecycleConcurrency, StartStartStartsItOnce) {
  const std::string name = lab::unique_name();
  const std::string id = sleeper(name);
  ASSERT_TRUE(lc::is_hex(id, 64)) << "`run -d` must print the id\n  lesson: " << kOneAtATime;
  for (int i = 0; i < kRounds && !HasFailure(); ++i) {
    halt(name);
    auto [a, b] = race({"start", name}, {"start", name});
    const std::string round = round_of(i);
    LAB_EXPECT_STATUS(a, 0, kOneAtATime) << "\n  (" << round << "; the other start: " << lab::describe(b) << ")";
    LAB_EXPECT_STATUS(b, 0, kOneAtATime) << "\n  (" << round << "; the other start: " << lab::describe(a) << ")";
    LAB_EXPECT(status_of(name) == "running", round + ": the container to run after two starts", b, kOneAtATime);
    std::vector<lc::Process> found;
    lc::eventually([&] { return (found = monitors()).size() == 1; }, 2s);
    LAB_EXPECT(found.size() == 1,
               round + ": exactly one pocker-monitor; found:\n    " + lc::joined(lc::describe_processes(found)), b,
               kOneAtATime);
  }
  halt(name);
}

// Catches: an `rm -f` that removes the directory while a `start` mounts and writes into it
// ("directory not empty", a directory left that `ps -a` does not list), and a `start` that runs a
// container whose files are being removed.
TEST_F(LifecycleConcurrency, StartRmLeavesNothing) {
  for (int i = 0; i < kRounds && !HasFailure(); ++i) {
    const std::string name = lab::unique_name("r" + std::to_string(i));
    const std::string id = sleeper(name);
    ASSERT_TRUE(lc::is_hex(id, 64)) << "`run -d` must print the id\n  lesson: " << kOneAtATime;
    halt(name);
    auto [start, rm] = race({"start", name}, {"rm", "-f", name});
    const std::string round = round_of(i);
    LAB_EXPECT_STATUS(rm, 0, kOneAtATime) << "\n  (" << round << "; the start: " << lab::describe(start) << ")";
    // Second, the start finds no container; first, it starts one that `rm -f` then removes.
    if (start.status != 0) {
      LAB_EXPECT_POCKER_ERROR(start, "no such container", kOneAtATime);
    }
    expect_nothing_left({id}, round, rm);
  }
}

// Catches: an `rm -f` that kills the container in the middle of a `stop`'s grace period (a stop
// that says it stopped the container, which never got the SIGTERM it could have handled), and a
// `stop` and an `rm -f` that leave state, cgroup or monitor behind. Serialised, either the stop
// comes first (the container's TERM trap runs, then rm removes it) or the rm does (stop: no such
// container).
TEST_F(LifecycleConcurrency, StopRmLeavesNothing) {
  lab::TempDir out("pocker-lab-out");
  for (int i = 0; i < kRounds && !HasFailure(); ++i) {
    const std::string name = lab::unique_name("s" + std::to_string(i));
    const std::string marker = "round" + std::to_string(i);
    const lab::Outcome run = detach({"--name", name, "-v", out.path() + ":/out", "busybox", "sh", "-c",
                                     "trap 'echo term > /out/" + marker + "; exit 0' TERM; "
                                     "touch /out/ready-" + marker + "; "
                                     "while :; do sleep 0.05; done; : " + root()});
    const std::string id = lc::trimmed(run.out);
    ASSERT_TRUE(lc::is_hex(id, 64)) << "`run -d` must print the id\n" << lab::describe(run);
    // Not before the trap is set: a SIGTERM earlier would meet a PID 1 without a handler, which
    // the kernel spares it, and the stop would end by SIGKILL after its timeout instead.
    ASSERT_TRUE(lc::eventually([&] { return std::filesystem::exists(out.path() + "/ready-" + marker); }, 10s))
        << "the container never set its TERM trap (" << round_of(i) << ")";
    auto [stop, rm] = race({"stop", "-t", "5", name}, {"rm", "-f", name});
    const std::string round = round_of(i);
    LAB_EXPECT_STATUS(rm, 0, kOneAtATime) << "\n  (" << round << "; the stop: " << lab::describe(stop) << ")";
    if (stop.status == 0) {
      LAB_EXPECT(!lab::read_file(out.path() + "/" + marker).empty(),
                 round + ": a `stop` that succeeded to have let the container handle its SIGTERM (its trap "
                         "writes a file) before the `rm -f` killed it",
                 stop, kOneAtATime);
    } else {
      LAB_EXPECT_POCKER_ERROR(stop, "no such container", kOneAtATime);
    }
    expect_nothing_left({id}, round, rm);
  }
}

// Catches: an `exec` whose set-up joins the container's cgroup while the monitor of a stopped
// container removes it (the directory made again, and left), and an exec'd process that outlives
// the container it was put in.
TEST_F(LifecycleConcurrency, ExecStopLeavesOnlyTheExited) {
  const std::string name = lab::unique_name();
  const std::string id = sleeper(name);
  ASSERT_TRUE(lc::is_hex(id, 64)) << "`run -d` must print the id\n  lesson: " << kOneAtATime;
  for (int i = 0; i < kRounds && !HasFailure(); ++i) {
    if (i > 0) {
      LAB_EXPECT_STATUS(pocker.run({"start", name}), 0, kOneAtATime);
    }
    auto [exec, stop] = race({"exec", name, "sh", "-c", "sleep 5; : " + root()}, {"stop", "-t", "0", name});
    const std::string round = round_of(i);
    LAB_EXPECT_STATUS(stop, 0, kOneAtATime) << "\n  (" << round << "; the exec: " << lab::describe(exec) << ")";
    // Second, exec finds it stopped and says so (not "broken pipe" or a /proc path from a set-up
    // that the stop cut short); first, its command dies with the container (SIGKILL: 137).
    LAB_EXPECT(exec.status == 137 || (exec.status == 125 && exec.err.find("is not running") != std::string::npos),
               round + ": exec to say the container \"is not running\" (125) or its command to be killed with "
                       "the container (137)",
               exec, kOneAtATime);
    LAB_EXPECT(status_of(name) == "exited", round + ": the container to be exited", stop, kOneAtATime);
    std::vector<std::string> left;
    lc::eventually(
        [&] {
          left = lc::describe_processes(lc::processes_mentioning(root()));
          for (const std::string& dir : lc::cgroup_dirs_of({id})) left.push_back("cgroup: " + dir);
          return left.empty();
        },
        5s);
    LAB_EXPECT(left.empty(), round + ": no process and no cgroup of the stopped container; left:\n    " +
                                 lc::joined(left), stop, kOneAtATime);
  }
}

using LifecycleUnreadable = LifecycleConcurrency;

// Catches: a container whose state.json is junk vanishing from `ps -a` while its monitor and
// process run on, `inspect` printing nothing useful, and `rm -f` refusing it ("not valid JSON")
// or removing its files but leaving its processes or cgroup.
TEST_F(LifecycleUnreadable, JunkStateIsListedAndRemoved) {
  const std::string name = lab::unique_name();
  const std::string id = sleeper(name);
  ASSERT_TRUE(lc::is_hex(id, 64)) << "`run -d` must print the id\n  lesson: " << kUnreadable;
  std::ofstream(root() + "/containers/" + id + "/state.json", std::ios::trunc) << "{\"status\": \"runn";

  const lab::Outcome ps = pocker.run({"ps", "-a"});
  LAB_EXPECT_STATUS(ps, 0, kUnreadable);
  const std::string line = line_with(ps, id.substr(0, 12));
  LAB_EXPECT(!line.empty() && line.find("unknown (") != std::string::npos,
             "`ps -a` to list " + id.substr(0, 12) + " with the status \"unknown (why)\"", ps, kUnreadable);

  const lab::Outcome inspect = pocker.run({"inspect", name});
  LAB_EXPECT(inspect.status != 0 && lc::lines_of(inspect.err).size() == 1 &&
                 inspect.err.find("state.json") != std::string::npos,
             "`inspect` to fail with one line that names state.json", inspect, kUnreadable);

  const lab::Outcome rm = pocker.run({"rm", "-f", name});
  LAB_EXPECT_STATUS(rm, 0, kUnreadable);
  LAB_EXPECT(lc::lines_of(rm.err).size() == 1 && rm.err.find("warning") != std::string::npos,
             "`rm -f` to warn, in one line, that it removed a container it could not read", rm, kUnreadable);
  std::vector<std::string> left;
  lc::eventually([&] { return (left = lc::leftovers(root(), {id})).empty(); }, 5s);
  LAB_EXPECT(left.empty(), "nothing of it left after `rm -f`; left:\n    " + lc::joined(left), rm, kUnreadable);
  const lab::Outcome after = pocker.run({"ps", "-a", "-q"});
  LAB_EXPECT_OUT_EQ(after, "", kUnreadable);
}

// Catches: the same for config.json: the container must still be listed, and removable.
TEST_F(LifecycleUnreadable, JunkConfigIsListedAndRemoved) {
  const std::string name = lab::unique_name();
  const std::string id = sleeper(name);
  ASSERT_TRUE(lc::is_hex(id, 64)) << "`run -d` must print the id\n  lesson: " << kUnreadable;
  std::ofstream(root() + "/containers/" + id + "/config.json", std::ios::trunc) << "not json";

  const lab::Outcome ps = pocker.run({"ps", "-a"});
  const std::string line = line_with(ps, id.substr(0, 12));
  LAB_EXPECT(!line.empty() && line.find("unknown (") != std::string::npos,
             "`ps -a` to list " + id.substr(0, 12) + " with the status \"unknown (why)\"", ps, kUnreadable);
  const lab::Outcome inspect = pocker.run({"inspect", name});
  LAB_EXPECT(inspect.status != 0 && lc::lines_of(inspect.err).size() == 1 &&
                 inspect.err.find("config.json") != std::string::npos,
             "`inspect` to fail with one line that names config.json", inspect, kUnreadable);
  const lab::Outcome rm = pocker.run({"rm", "-f", name});
  LAB_EXPECT_STATUS(rm, 0, kUnreadable);
  std::vector<std::string> left;
  lc::eventually([&] { return (left = lc::leftovers(root(), {id})).empty(); }, 5s);
  LAB_EXPECT(left.empty(), "nothing of it left after `rm -f`; left:\n    " + lc::joined(left), rm, kUnreadable);
}

}  // namespace
