// A container's cgroup lives exactly as long as the container: pocker removes it however the
// container ends (exit, OOM kill, death by signal), and when pocker itself is SIGKILLed (so cannot
// clean up), the container dies with it and the next `pocker run` removes the stale cgroup.
//
// Which directories belong to the run is read from its own --trace (`mkdir <cgroup
// mount>/.../pocker/<id> = ok`), so other tests' containers, running in parallel, never confuse it.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "lv2/hints.hpp"
#include "lv2/host.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using lab::lv2::kCgroup;
using lab::lv2::kCleanup;
using namespace std::chrono_literals;
namespace lv2 = lab::lv2;

class Lv2Cleanup : public lab::LabTest {
 protected:
  // A limit so that pocker surely makes a cgroup (one with no limits might make none).
  std::vector<std::string> some_limit() {
    if (lv2::controller_available("memory")) return {"--memory", "256m"};
    if (lv2::controller_available("pids")) return {"--pids-limit", "1000"};
    return {};
  }

  // Runs `pocker --trace run EXTRA... busybox COMMAND...` (EXTRA empty: some_limit()), expects
  // `status`, and checks that the cgroup directories its trace says it made are all gone once it
  // has exited.
  void expect_cleaned(std::vector<std::string> extra, std::vector<std::string> command, int status,
                      const char* hint) {
    std::vector<std::string> args{"--trace", "run"};
    if (extra.empty()) extra = some_limit();
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("busybox");
    args.insert(args.end(), command.begin(), command.end());
    lab::RunOptions opts;
    opts.timeout = 60s;
    const lab::Outcome outcome = pocker.run(args, opts);
    const std::vector<std::string> made = lv2::cgroup_dirs_made(outcome.err);
    lv2::Leftovers leftovers;  // whatever a broken pocker leaves goes when the test ends
    leftovers.dirs(made);

    LAB_EXPECT_STATUS(outcome, status, hint);
    LAB_ASSERT(!made.empty(),
               "the --trace to show `mkdir <cgroup mount>/.../pocker/<id> = ok` for the container's cgroup", outcome,
               kCgroup);
    const std::vector<std::string> left = lv2::still_there(made);
    LAB_EXPECT(left.empty(), "the container's cgroup directories removed when it ended; still there:\n    " +
                                 lv2::joined(left), outcome, kCleanup);
  }

  void SetUp() override {
    if (some_limit().empty()) GTEST_SKIP() << "the host has neither a memory nor a pids cgroup controller";
  }
};

// Catches: a cgroup never removed (the destructor or the rmdir skipped), or removed only with --rm.
TEST_F(Lv2Cleanup, AfterNormalExit) { expect_cleaned({}, {"true"}, 0, kCleanup); }

// Catches: cleanup skipped on the OOM path (say, an early return after reading the OOM counters),
// or rmdir tried while the killed task is still charged to the cgroup and then given up.
TEST_F(Lv2Cleanup, AfterOomKill) {
  if (!lv2::controller_available("memory")) GTEST_SKIP() << "the host has no memory cgroup controller";
  expect_cleaned({"--rm", "--memory", "64m"}, {"pocker-probe", "alloc", "256m"}, 137, lv2::kMemory);
}

// Catches: cleanup only on a normal exit, not when the container dies by a signal (SIGSEGV: 139).
TEST_F(Lv2Cleanup, AfterSignalDeath) { expect_cleaned({}, {"pocker-probe", "segv"}, 139, kCleanup); }

using Lv2StaleCgroup = Lv2Cleanup;

// pocker SIGKILLed mid-run cannot clean up. Catches: a container that outlives its pocker (no
// PDEATHSIG: `sleep 30` keeps running, unsupervised, in its cgroup), and cgroups that stay forever
// because the next `pocker run` does not remove stale ones (older than 5 s, with no process left).
TEST_F(Lv2StaleCgroup, SigkilledPockerCleanedByNextRun) {
  std::vector<std::string> args{"--trace", "run"};
  const std::vector<std::string> limit = some_limit();
  args.insert(args.end(), limit.begin(), limit.end());
  args.insert(args.end(), {"busybox", "sleep", "30"});
  lab::RunOptions opts;
  opts.timeout = 60s;
  lab::Background running = pocker.start(args, opts);
  lv2::Leftovers leftovers;
  const bool started = running.wait_for_stderr(" is running", 20s);
  const std::vector<std::string> made = lv2::cgroup_dirs_made(running.err());
  const pid_t container = lv2::container_pid(running.err());
  leftovers.dirs(made);
  leftovers.pid(container);
  ASSERT_TRUE(started) << "expected the trace to say `container process N is running` within 20 s\n"
                       << "  stderr so far: " << running.err() << "\n  lesson: " << kCgroup;
  ASSERT_FALSE(made.empty()) << "expected the trace to show `mkdir <cgroup mount>/.../pocker/<id> = ok`\n"
                             << "  stderr so far: " << running.err() << "\n  lesson: " << kCgroup;
  ASSERT_GT(container, 0) << "expected the trace to give the container's pid (`clone3(...) = N`)\n"
                          << "  stderr so far: " << running.err() << "\n  lesson: " << kCgroup;
  EXPECT_EQ(lv2::still_there(made), made) << "the container's cgroup is not all there while it runs\n  lesson: "
                                          << kCgroup;

  ASSERT_TRUE(running.signal(SIGKILL));
  const bool container_died = lv2::wait_gone(container, 2s);
  const lab::Outcome killed = running.wait();
  EXPECT_TRUE(container_died) << "the container process " << container
                              << " still runs 2 s after its pocker was SIGKILLed (a foreground container "
                                 "must die with its pocker: PR_SET_PDEATHSIG)\n"
                              << lab::describe(killed) << "  lesson: " << kCleanup;

  std::this_thread::sleep_for(6s);  // older than pocker's 5 s "may still be starting" threshold
  lab::RunOptions quick;
  quick.timeout = 60s;
  const lab::Outcome next = pocker.run({"--trace", "run", "--rm", "busybox", "true"}, quick);
  LAB_EXPECT_STATUS(next, 0, kCleanup);
  const std::vector<std::string> left = lv2::still_there(made);
  LAB_EXPECT(left.empty(),
             "the next `pocker run` to remove the stale cgroup of the SIGKILLed pocker's container; still there:\n    " +
                 lv2::joined(left),
             next, kCleanup);
}

}  // namespace
