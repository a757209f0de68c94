#include "support/expect.hpp"

#include <cstdio>
#include <sstream>

namespace lab {
namespace {

constexpr size_t kShown = 2000;  // bytes of stdout or stderr a message shows

// As a C string literal: escapes for control bytes, UTF-8 left readable, long text cut.
std::string quoted(std::string_view text) {
  std::string shown = "\"";
  for (char c : text.substr(0, kShown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      shown += '\\';
      shown += c;
    } else if (c == '\n') {
      shown += "\\n";
    } else if (c == '\t') {
      shown += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02x", byte);
      shown += escape;
    } else {
      shown += c;
    }
  }
  shown += '"';
  if (text.size() > kShown) shown += " ... (" + std::to_string(text.size() - kShown) + " more bytes)";
  return shown;
}

}  // namespace

std::string describe(const Outcome& outcome) {
  std::ostringstream text;
  text << "  ran:    " << shell_quote(outcome.argv) << "\n"
       << "  status: " << outcome.status;
  if (outcome.timed_out) text << " (still running at the deadline: its process group was SIGKILLed)";
  if (outcome.status == -1) text << " (did not start)";
  text << "\n  stdout: " << quoted(outcome.out) << "\n  stderr: " << quoted(outcome.err) << "\n";
  return text.str();
}

::testing::AssertionResult check(bool ok, std::string_view expectation, const Outcome& outcome,
                                 std::string_view hint) {
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << expectation << "\n"
                                       << describe(outcome) << "  lesson: " << hint;
}

::testing::AssertionResult status_is(const Outcome& outcome, int expected, std::string_view hint) {
  return check(outcome.status == expected, "exit status " + std::to_string(expected), outcome, hint);
}

::testing::AssertionResult out_is(const Outcome& outcome, std::string_view expected, std::string_view hint) {
  return check(outcome.out == expected, "stdout to be exactly " + quoted(expected), outcome, hint);
}

::testing::AssertionResult out_has(const Outcome& outcome, std::string_view needle, std::string_view hint) {
  return check(outcome.out.find(needle) != std::string::npos, "stdout to contain " + quoted(needle), outcome,
               hint);
}

::testing::AssertionResult out_lacks(const Outcome& outcome, std::string_view needle, std::string_view hint) {
  return check(outcome.out.find(needle) == std::string::npos, "stdout not to contain " + quoted(needle),
               outcome, hint);
}

::testing::AssertionResult err_has(const Outcome& outcome, std::string_view needle, std::string_view hint) {
  return check(outcome.err.find(needle) != std::string::npos, "stderr to contain " + quoted(needle), outcome,
               hint);
}

::testing::AssertionResult pocker_error(const Outcome& outcome, std::string_view needle, std::string_view hint) {
  bool found = false;
  std::istringstream lines(outcome.err);
  for (std::string line; !found && std::getline(lines, line);) {
    found = line.starts_with("pocker: ") && line.find(needle) != std::string::npos;
  }
  std::string expectation = "a stderr line starting \"pocker: \"";
  if (!needle.empty()) expectation += " that names " + quoted(needle);
  return check(found, expectation, outcome, hint);
}

}  // namespace lab
