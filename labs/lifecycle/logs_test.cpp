// A detached container's output goes to a log its monitor writes: `logs` prints it, `logs -f`
// follows it until the container ends, `--tail N` prints only the last N lines.
#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kMonitor;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

using LifecycleLogs = lc::LifecycleTest;

// Catches: `run -d` that does not print the 64-hex id, a monitor that drops the container's
// output (stdout or stderr left on /dev/null or on the closed terminal of `run -d`), and `logs`
// that cannot find the log by name.
TEST_F(LifecycleLogs, ShowsDetachedOutput) {
  const std::string name = lab::unique_name();
  const lab::Outcome run =
      detach({"--name", name, "busybox", "sh", "-c", "echo to-stdout; echo to-stderr >&2; sleep 30"});
  LAB_ASSERT_STATUS(run, 0, kMonitor);
  LAB_EXPECT(lc::is_hex(lc::trimmed(run.out), 64), "`run -d` to print the container's 64-hex id and nothing else",
             run, kMonitor);

  const lab::Outcome logs = logs_until(name, "to-stderr");
  LAB_EXPECT_STATUS(logs, 0, kMonitor);
  LAB_EXPECT_OUT_HAS(logs, "to-stdout\n", kMonitor);
  LAB_EXPECT_OUT_HAS(logs, "to-stderr\n", kMonitor);
}

// Catches: `logs -f` that prints what is there and exits (no following), one that never ends when
// the container does (it must stop at its exit, not hang until killed), and one that buffers
// everything until the end instead of printing each line as it comes.
TEST_F(LifecycleLogs, FollowPrintsNewLinesUntilExit) {
  const std::string name = lab::unique_name();
  // Eight lines, one every 0.2 s: the container lives about 1.6 s.
  const lab::Outcome run =
      detach({"--name", name, "busybox", "sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo line-$i; sleep 0.2; done"});
  LAB_ASSERT_STATUS(run, 0, kMonitor);

  lab::RunOptions opts;
  opts.timeout = 15s;
  const auto start = lc::Clock::now();
  lab::Background follow = pocker.start({"logs", "-f", name}, opts);
  const bool saw_early = follow.wait_for_stdout("line-", 5s);
  const std::string early = follow.out();
  const lab::Outcome outcome = follow.wait();
  const double took = lc::seconds_since(start);

  LAB_EXPECT(saw_early, "`logs -f` to print the first lines within 5 s", outcome, kMonitor);
  LAB_EXPECT(early.find("line-8") == std::string::npos,
             "`logs -f` to print lines as they come: it printed all of them at once, at the end (first "
             "output seen: \"" + early + "\")",
             outcome, kMonitor);
  LAB_EXPECT(!outcome.timed_out && took < 8.0,
             "`logs -f` to end by itself when the container ends (about 2 s), not to hang; it took " +
                 std::to_string(took) + " s",
             outcome, kMonitor);
  LAB_EXPECT_STATUS(outcome, 0, kMonitor);
  for (int i = 1; i <= 8; ++i) LAB_EXPECT_OUT_HAS(outcome, "line-" + std::to_string(i) + "\n", kMonitor);
  LAB_EXPECT(outcome.out.find("line-1\n") == outcome.out.rfind("line-1\n"),
             "each line printed once (a follow that re-reads the whole log repeats lines)", outcome, kMonitor);
}

// Catches: --tail ignored (all lines printed) or off by one (the last line lost to a trailing
// newline, or the last two printed).
TEST_F(LifecycleLogs, TailOne) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c", "echo first; echo second; echo third"});
  LAB_ASSERT_STATUS(run, 0, kMonitor);
  const lab::Outcome waited = pocker.run({"wait", name});
  LAB_EXPECT_STATUS(waited, 0, kMonitor);

  const lab::Outcome tail = pocker.run({"logs", "--tail", "1", name});
  LAB_EXPECT_STATUS(tail, 0, kMonitor);
  LAB_EXPECT_OUT_EQ(tail, "third\n", kMonitor);
  const lab::Outcome all = pocker.run({"logs", name});
  LAB_EXPECT_OUT_EQ(all, "first\nsecond\nthird\n", kMonitor);
}

}  // namespace
