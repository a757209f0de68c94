// A stand-in for pocker-labs that does everything a lab binary can do to the grader: pass, fail
// with text that is awkward in XML and JSON, skip with a reason, crash, hang, and hold
// parameterised and disabled tests. end_to_end.sh grades it with --labs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

namespace {

TEST(Lv0Fake, Passes) { SUCCEED(); }

TEST(Lv0Fake, FailsWithAwkwardText) {
  ADD_FAILURE() << "expected <b>&amp; \"quoted\" 'single'</b> ]]> --> \x01\x1b[31mred\x1b[0m \xff\xfe bad UTF-8, "
                   "caf\xc3\xa9 ok\r\n  lesson: lessons/lv0-syscalls step 1 (a fake step)";
}

TEST(Lv0Fake, Skips) { GTEST_SKIP() << "the host lacks a delegated <cpu> controller & more"; }

TEST(Lv0Fake, PassesAfter) { SUCCEED(); }

TEST(Lv0Fake, DISABLED_NeverGraded) { FAIL() << "a disabled test ran"; }

TEST(Lv1Fake, Crashes) {
  std::printf("about to crash\n");
  std::fflush(stdout);
  std::raise(SIGSEGV);
}

TEST(Lv1Fake, AfterCrash) { SUCCEED(); }

TEST(Lv1Hang, Hangs) {
  std::printf("about to hang\n");
  std::fflush(stdout);
  for (;;) ::pause();
}

TEST(Lv1Hang, AfterHang) { SUCCEED(); }

class Lv2Param : public ::testing::TestWithParam<std::string> {};
TEST_P(Lv2Param, Works) { EXPECT_FALSE(GetParam().empty()); }
INSTANTIATE_TEST_SUITE_P(, Lv2Param, ::testing::Values("a", "b"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

TEST(Lv2Fake, Passes) { SUCCEED(); }

}  // namespace
