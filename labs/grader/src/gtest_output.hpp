// Reading what a GoogleTest binary (1.12) says: its --gtest_list_tests listing, its console
// output (test by test, for skip reasons and for what a crashed run got through), and its
// --gtest_output=json report.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grader {

// Full names (Suite.Test, Prefix/Suite.Test/param) in the listing's order; disabled tests left out.
std::vector<std::string> parse_test_list(std::string_view listing);

// One test as the console showed it: from its "[ RUN      ]" line to its verdict line.
struct ConsoleTest {
  enum class End { None, Ok, Failed, Skipped };  // None: the output stopped while it ran
  std::string name;
  End end = End::None;
  std::string text;  // what was printed between the two lines
};

// Every test the console output started, in order.
std::vector<ConsoleTest> parse_console(std::string_view output);

// The reason GTEST_SKIP() printed, from a skipped test's console text ("file:line: Skipped" lines
// left out); "" when it gave none.
std::string skip_reason(std::string_view console_text);

struct ReportedTest {
  std::string name;
  bool skipped = false;
  std::vector<std::string> failures;  // "file:line\n<message>" each
  double seconds = 0;
};

// The tests a --gtest_output=json report holds (those that ran), or nothing when it is not one.
std::optional<std::vector<ReportedTest>> parse_json_report(std::string_view json);

}  // namespace grader
