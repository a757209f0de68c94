// pocker's exit status is the container's: its own code, or 128+N when signal N killed it.
#include <string>

#include "lv0/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using lab::lv0::kExitStatus;
using lab::lv0::kSignalDeath;

class Lv0Exit : public lab::LabTest {
 protected:
  void expect_shell_exit(int code) {
    const lab::Outcome outcome = pocker.run({"run", "busybox", "sh", "-c", "exit " + std::to_string(code)});
    LAB_EXPECT_STATUS(outcome, code, kExitStatus);
  }
};

TEST_F(Lv0Exit, PassesStatus0) { expect_shell_exit(0); }
TEST_F(Lv0Exit, PassesStatus1) { expect_shell_exit(1); }
TEST_F(Lv0Exit, PassesStatus42) { expect_shell_exit(42); }
TEST_F(Lv0Exit, PassesStatus255) { expect_shell_exit(255); }

TEST_F(Lv0Exit, TrueGives0) {
  LAB_EXPECT_STATUS(pocker.run({"run", "busybox", "true"}), 0, kExitStatus);
}

TEST_F(Lv0Exit, FalseGives1) {
  LAB_EXPECT_STATUS(pocker.run({"run", "busybox", "false"}), 1, kExitStatus);
}

// These two use --pid host: in a PID namespace of its own the shell would be PID 1, and the kernel
// drops any signal that PID 1 sends itself without a handler for it (pid_namespaces(7)), so
// `kill $$` would do nothing; docker behaves the same.
using Lv0Signal = lab::LabTest;

TEST_F(Lv0Signal, TermGives143) {
  const lab::Outcome outcome = pocker.run({"run", "--pid", "host", "busybox", "sh", "-c", "kill -TERM $$"});
  LAB_EXPECT_STATUS(outcome, 128 + 15, kSignalDeath);
}

TEST_F(Lv0Signal, KillGives137) {
  const lab::Outcome outcome = pocker.run({"run", "--pid", "host", "busybox", "sh", "-c", "kill -KILL $$"});
  LAB_EXPECT_STATUS(outcome, 128 + 9, kSignalDeath);
}

// A fault is different: the kernel forces SIGSEGV on the faulting task, and it kills even a PID 1.
TEST_F(Lv0Signal, SegfaultGives139) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "pocker-probe", "segv"});
  LAB_EXPECT_STATUS(outcome, 128 + 11, kSignalDeath);
}

}  // namespace
