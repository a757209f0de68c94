// Grading: listing the lab tests, running them one level at a time (a crashed or hung lab binary
// costs the test it was running, and the rest of the level runs again in a fresh process), and
// applying the points table.
#pragma once

#include "support/lang.hpp"

#include <string>
#include <vector>

#include "points.hpp"

namespace grader {

enum class Status { Passed, Failed, Skipped };
const char* status_name(Status status);  // "passed", "failed", "skipped"

struct TestResult {
  std::string name;   // Suite.Test
  std::string level;  // Lv0
  Status status = Status::Failed;
  double points = 0;  // what it is worth (0 when skipped: not counted)
  double score = 0;   // what it earned
  double seconds = 0;
  std::string output;  // failed: what was expected, what was seen, the lesson step; skipped: why
};

struct LevelResult {
  std::string level;
  std::vector<TestResult> tests;
  std::vector<std::string> notes;  // what went wrong with the lab binary itself
  std::vector<std::string> logs;   // the console logs written, one per process
  double score() const;
  double max_score() const;
  int count(Status status) const;
};

struct GradeOptions {
  std::string labs;        // the lab binary (absolute)
  std::string pocker;      // the binary graded (absolute)
  std::string out_dir;     // where logs go (out_dir/logs)
  std::string source_dir;  // the toolkit's source: file paths in messages are shown relative to it
  std::vector<std::string> env;  // the lab binary's whole environment
  double test_timeout = 120;
  bool strict_skips = false;  // a skipped test counts as failed
  bool progress = false;      // show the running test on stderr (a terminal)
};

struct Grade {
  std::vector<LevelResult> levels;
  std::string pocker, labs, points_file;
  std::vector<std::string> warnings;
  std::string preamble;  // text for the top of the report (say, a build log)
  std::string started_at;  // ISO 8601, UTC
  double seconds = 0;
  lab::Lang lang = lab::Lang::En;  // the language of the summary (support/lang.hpp)
  double score() const;
  double max_score() const;
  int count(Status status) const;
  bool full_marks() const;
};

// The lab binary's environment: ours without anything that steers GoogleTest (GTEST_*, sharding,
// output files) and with POCKER set to the binary graded.
std::vector<std::string> lab_environment(const std::string& pocker);

// The tests `labs --gtest_list_tests --gtest_filter=filter` names. Throws std::runtime_error when
// the lab binary cannot list them.
std::vector<std::string> list_tests(const std::string& labs, const std::vector<std::string>& env,
                                    const std::string& filter);

// Runs these tests (all of one level) and scores them. Sets interrupted() when Ctrl-C stopped it.
LevelResult grade_level(const GradeOptions& options, const PointsTable& points, const std::string& level,
                        const std::vector<std::string>& tests);

}  // namespace grader
