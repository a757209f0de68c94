// Running a GoogleTest binary as a child in a process group of its own, with stdout and stderr
// captured together, a watchdog on each test (from its "[ RUN      ]" line) and on the whole run,
// and Ctrl-C handled: the grader kills the group and goes, leaving no lab binary behind.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace grader {

struct RunSpec {
  std::vector<std::string> argv;  // argv[0] is a path: no PATH search, no shell
  std::vector<std::string> env;   // the whole environment, "KEY=VALUE" each
  double test_timeout = 0;        // seconds one test may run (0: no limit)
  double total_timeout = 0;       // seconds the whole run may take (0: no limit)
  // Called with a test's name when its "[ RUN      ]" line is seen.
  std::function<void(const std::string&)> on_test_start;
};

struct RunResult {
  bool started = false;
  std::string exec_error;    // why it did not start
  int exit_code = -1;        // when it exited
  int signal = 0;            // when a signal killed it (SIGKILL too when the grader timed it out)
  bool timed_out = false;    // the grader killed it: a deadline passed
  std::string timed_out_test;  // the test that was running then ("" when none was)
  bool interrupted = false;  // the grader got SIGINT or SIGTERM and killed it
  std::string output;        // stdout and stderr as they came
  double seconds = 0;
};

RunResult run_gtest(const RunSpec& spec);

// Makes SIGINT and SIGTERM set a flag that run_gtest() watches (and SIGPIPE ignored).
void install_interrupt_handlers();
bool interrupted();

}  // namespace grader
