// pocker's own output may go into a pipe whose reader is gone (`pocker --trace run ... | head`).
// Writing there must not end pocker (SIGPIPE's default action): it stops writing there, and still
// waits for the container and removes it. Nor may it end the container: the container's output
// goes through pocker, which drops what nobody reads any more.
#include <string>
#include <vector>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"
#include "support/pocker.hpp"

namespace {

using lab::lifecycle::kPockerDies;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

using LifecycleSigpipe = lc::LifecycleTest;

// Catches: pocker killed by SIGPIPE on the first trace line after `head` has gone, leaving the
// `--rm` container behind as Created (and its exit status lost: 141).
TEST_F(LifecycleSigpipe, TraceIntoClosedPipeLeavesNothing) {
  const std::string name = lab::unique_name();
  // `sleep 1`: the trace lines of the end and the removal come surely after `head` has exited.
  const std::string script =
      "\"$0\" --root \"$1\" --trace run --rm --name \"$2\" busybox sleep 1 2>&1 | head -n 1 >/dev/null; "
      "echo \"pocker exited ${PIPESTATUS[0]}\"";
  lab::RunOptions opts;
  opts.timeout = 60s;
  const lab::Outcome piped = lab::run({"/bin/bash", "-c", script, lab::pocker_bin(), root(), name}, opts);
  LAB_EXPECT_OUT_HAS(piped, "pocker exited 0",
                     "pocker to exit with the container's status 0, not be killed by SIGPIPE (141)");

  const lab::Outcome ps = pocker.run({"ps", "-a"});
  LAB_EXPECT(ps.status == 0 && line_with(ps, name).empty(),
             "`ps -a` not to list the `--rm` container whose trace went into a closed pipe", ps, kPockerDies);
  const std::vector<std::string> dirs = lc::state_dirs(root());
  LAB_EXPECT(dirs.empty(), "no state directory left under " + root() + "/containers; found:\n    " + lc::joined(dirs),
             piped, kPockerDies);
  LAB_EXPECT(lab::read_file(root() + "/names/" + name).empty(), "the name " + name + " released", piped, kPockerDies);
}

// Catches: the same for an error line: pocker's stderr closed before it reports that the command
// does not exist; it still exits 127 and removes the container.
TEST_F(LifecycleSigpipe, ErrorIntoClosedPipeLeavesNothing) {
  const std::string name = lab::unique_name();
  // The reader is gone before pocker starts: `true` reads nothing and exits at once.
  const std::string run =
      "exec 3>&1; { sleep 0.3; \"$0\" --root \"$1\" --trace run --rm --name \"$2\" busybox no-such-command 2>&1; "
      "echo \"pocker exited $?\" >&3; } | true";
  const lab::Outcome piped = lab::run({"/bin/bash", "-c", run, lab::pocker_bin(), root(), name});
  LAB_EXPECT_OUT_HAS(piped, "pocker exited 127",
                     "pocker to exit 127 (no such command), not be killed by SIGPIPE (141)");
  const std::vector<std::string> dirs = lc::state_dirs(root());
  LAB_EXPECT(dirs.empty(), "no state directory left under " + root() + "/containers; found:\n    " + lc::joined(dirs),
             piped, kPockerDies);
  LAB_EXPECT(lab::read_file(root() + "/names/" + name).empty(), "the name " + name + " released", piped, kPockerDies);
}

// Catches: the container writing straight into pocker's stdout, a pipe whose reader is gone: its
// next write raises SIGPIPE and kills it (141) before it reaches its own end and status 7. (The
// inner `sh`: the kernel spares the PID namespace's init, the outer one, signals it does not handle.)
TEST_F(LifecycleSigpipe, ContainerOutputIntoClosedPipeRunsOn) {
  const std::string name = lab::unique_name();
  const std::string script =
      "\"$0\" --root \"$1\" run --rm --name \"$2\" busybox sh -c "
      "'echo one; sleep 0.5; sh -c \"echo two; echo three; exit 7\"' "
      "| head -n 1 >/dev/null; echo \"pocker exited ${PIPESTATUS[0]}\"";
  const lab::Outcome piped = lab::run({"/bin/bash", "-c", script, lab::pocker_bin(), root(), name});
  LAB_EXPECT_OUT_HAS(piped, "pocker exited 7",
                     "the container to run on to its own `exit 7` once the reader of pocker's stdout is gone, "
                     "not be killed by SIGPIPE (141)");
  const std::vector<std::string> dirs = lc::state_dirs(root());
  LAB_EXPECT(dirs.empty(), "no state directory left under " + root() + "/containers; found:\n    " + lc::joined(dirs),
             piped, kPockerDies);
}

// Catches: the same for `exec`: its process must not be killed by pocker's closed pipe either.
TEST_F(LifecycleSigpipe, ExecOutputIntoClosedPipeRunsOn) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sleep", "30"});
  LAB_ASSERT_STATUS(run, 0, kPockerDies);
  const std::string script =
      "\"$0\" --root \"$1\" exec \"$2\" sh -c 'echo one; sleep 0.5; echo two; echo three >&2; exit 7' 2>&1 "
      "| head -n 1 >/dev/null; echo \"pocker exited ${PIPESTATUS[0]}\"";
  const lab::Outcome piped = lab::run({"/bin/bash", "-c", script, lab::pocker_bin(), root(), name});
  LAB_EXPECT_OUT_HAS(piped, "pocker exited 7",
                     "the exec'd process to run on to its own `exit 7` once the reader of pocker's output is gone, "
                     "not be killed by SIGPIPE (141)");
}

// Catches: stdout and stderr relayed through two pipes when pocker's are one (`2>&1`): the lines
// of the two streams then come out of order.
TEST_F(LifecycleSigpipe, StdoutAndStderrKeepTheirOrder) {
  const std::string script =
      "\"$0\" --root \"$1\" run --rm busybox sh -c 'i=0; while [ $i -lt 200 ]; do echo out$i; echo err$i >&2; "
      "i=$((i+1)); done' 2>&1 | cat";
  const lab::Outcome piped = lab::run({"/bin/bash", "-c", script, lab::pocker_bin(), root()});
  std::string expected;
  for (int i = 0; i < 200; ++i) expected += "out" + std::to_string(i) + "\nerr" + std::to_string(i) + "\n";
  LAB_EXPECT(piped.status == 0 && piped.out == expected,
             "the container's stdout and stderr lines in the order it wrote them, when pocker's stdout and "
             "stderr are one pipe (`2>&1 | cat`)",
             piped, kPockerDies);
}

}  // namespace
