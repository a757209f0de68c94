// Checks whose failure message says what was expected, what was seen (the command, its status,
// stdout and stderr) and which lesson step explains it:
//   LAB_EXPECT_STATUS(outcome, 42, "lessons/lv0-syscalls step 1 (wait and exit status)");
// LAB_EXPECT_* records a failure and goes on; LAB_ASSERT_* also returns from the test.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "support/run.hpp"

namespace lab {

// What ran and what it did, quoted and cut to a readable size, one item a line.
std::string describe(const Outcome& outcome);

// Success, or a failure carrying "expected <expectation>", describe(outcome) and the hint.
::testing::AssertionResult check(bool ok, std::string_view expectation, const Outcome& outcome,
                                 std::string_view hint);

::testing::AssertionResult status_is(const Outcome& outcome, int expected, std::string_view hint);
::testing::AssertionResult out_is(const Outcome& outcome, std::string_view expected, std::string_view hint);
::testing::AssertionResult out_has(const Outcome& outcome, std::string_view needle, std::string_view hint);
::testing::AssertionResult out_lacks(const Outcome& outcome, std::string_view needle, std::string_view hint);
::testing::AssertionResult err_has(const Outcome& outcome, std::string_view needle, std::string_view hint);
// stderr has a line that starts with "pocker: " and contains needle (the contract's error line).
::testing::AssertionResult pocker_error(const Outcome& outcome, std::string_view needle, std::string_view hint);

}  // namespace lab

// The switch keeps a caller's `if (...) LAB_EXPECT_...; else ...` unambiguous, as gtest's own do.
#define LAB_CHECK_(result, on_failure)                                \
  switch (0)                                                          \
  case 0:                                                             \
  default:                                                            \
    if (const ::testing::AssertionResult lab_result_ = (result)) {    \
    } else                                                            \
      on_failure << lab_result_.message()

#define LAB_EXPECT(ok, expectation, outcome, hint) \
  LAB_CHECK_(::lab::check((ok), (expectation), (outcome), (hint)), ADD_FAILURE())
#define LAB_ASSERT(ok, expectation, outcome, hint) \
  LAB_CHECK_(::lab::check((ok), (expectation), (outcome), (hint)), FAIL())
#define LAB_EXPECT_STATUS(outcome, code, hint) LAB_CHECK_(::lab::status_is((outcome), (code), (hint)), ADD_FAILURE())
#define LAB_ASSERT_STATUS(outcome, code, hint) LAB_CHECK_(::lab::status_is((outcome), (code), (hint)), FAIL())
#define LAB_EXPECT_OUT_EQ(outcome, text, hint) LAB_CHECK_(::lab::out_is((outcome), (text), (hint)), ADD_FAILURE())
#define LAB_EXPECT_OUT_HAS(outcome, text, hint) LAB_CHECK_(::lab::out_has((outcome), (text), (hint)), ADD_FAILURE())
#define LAB_EXPECT_OUT_LACKS(outcome, text, hint) \
  LAB_CHECK_(::lab::out_lacks((outcome), (text), (hint)), ADD_FAILURE())
#define LAB_EXPECT_ERR_HAS(outcome, text, hint) LAB_CHECK_(::lab::err_has((outcome), (text), (hint)), ADD_FAILURE())
#define LAB_EXPECT_POCKER_ERROR(outcome, text, hint) \
  LAB_CHECK_(::lab::pocker_error((outcome), (text), (hint)), ADD_FAILURE())
