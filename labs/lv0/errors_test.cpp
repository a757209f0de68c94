// The three statuses pocker keeps for itself (docker's): 125 when pocker fails, 126 when the
// command cannot be executed, 127 when it does not exist; each with a `pocker: ` line on stderr.
#include "lv0/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using lab::lv0::kExecErrors;
using lab::lv0::kOwnErrors;

using Lv0ExecError = lab::LabTest;

TEST_F(Lv0ExecError, NotFoundGives127) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "nonexistent-cmd"});
  LAB_EXPECT_STATUS(outcome, 127, kExecErrors);
  LAB_EXPECT_POCKER_ERROR(outcome, "nonexistent-cmd", kExecErrors);
  LAB_EXPECT(outcome.out.empty(), "nothing on stdout", outcome, kExecErrors);
}

TEST_F(Lv0ExecError, NotExecutableFileGives126) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "/etc/passwd"});
  LAB_EXPECT_STATUS(outcome, 126, kExecErrors);
  LAB_EXPECT_POCKER_ERROR(outcome, "", kExecErrors);
}

TEST_F(Lv0ExecError, DirectoryGives126) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "/etc"});
  LAB_EXPECT_STATUS(outcome, 126, kExecErrors);
}

using Lv0PockerError = lab::LabTest;

TEST_F(Lv0PockerError, UnknownFlagGives125) {
  const lab::Outcome outcome = pocker.run({"run", "--no-such-flag", "busybox", "true"});
  LAB_EXPECT_STATUS(outcome, 125, kOwnErrors);
  const auto newline = outcome.err.find('\n');
  const bool one_line = newline == std::string::npos || newline == outcome.err.size() - 1;
  LAB_EXPECT(outcome.err.starts_with("pocker: ") && one_line,
             "exactly one line on stderr, starting \"pocker: \"", outcome, kOwnErrors);
}

TEST_F(Lv0PockerError, MissingImageGives125) {
  // On a registry at a loopback port where nothing listens: a pocker that pulls missing images
  // (the registry level) fails to reach it, one that does not says it has no such image, and
  // neither sends traffic off this machine.
  const lab::Outcome outcome = pocker.run({"run", "127.0.0.1:9/no-such-image", "true"});
  LAB_EXPECT_STATUS(outcome, 125, kOwnErrors);
  LAB_EXPECT_POCKER_ERROR(outcome, "no-such-image", kOwnErrors);
}

TEST_F(Lv0PockerError, MissingRootfsGives125) {
  const lab::Outcome outcome = pocker.run({"run", "--rootfs", "/nonexistent/dir", "true"});
  LAB_EXPECT_STATUS(outcome, 125, kOwnErrors);
  LAB_EXPECT_POCKER_ERROR(outcome, "/nonexistent/dir", kOwnErrors);
}

}  // namespace
