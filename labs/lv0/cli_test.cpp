// The command line answers for itself.
#include "lv0/hints.hpp"
#include "support/expect.hpp"
#include "support/pocker.hpp"

namespace {

using lab::lv0::kCli;

TEST(Lv0Cli, VersionExits0) {
  const lab::Outcome outcome = lab::run({lab::pocker_bin(), "--version"});
  LAB_EXPECT_STATUS(outcome, 0, kCli);
  LAB_EXPECT(!outcome.out.empty(), "a version on stdout", outcome, kCli);
}

TEST(Lv0Cli, RunHelpExits0) {
  const lab::Outcome outcome = lab::run({lab::pocker_bin(), "run", "--help"});
  LAB_EXPECT_STATUS(outcome, 0, kCli);
  LAB_EXPECT(!outcome.out.empty(), "the usage of `pocker run` on stdout", outcome, kCli);
}

}  // namespace
