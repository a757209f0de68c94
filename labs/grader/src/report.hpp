// What a grading run writes: the report printed (a table per level, the failures in full, a
// table of levels and "Score: N/M"), and from the same results Gradescope's results.json, a
// JUnit XML file and a plain JSON summary. Also the check that those three files are sound.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

#include "grade.hpp"
#include "support/lang.hpp"

namespace grader {

// One level: a row per test (verdict, points, name; a skipped test's reason), its score, then
// every failure in full. With only_problems, rows of passed tests are left out. The words around
// the numbers are in lang (the student's language); test names, verdicts and lab output are not.
std::string render_level(const LevelResult& level, bool only_problems = false, lab::Lang lang = lab::Lang::En);

// The table of levels, the notes and warnings, and the last line "Score: N/M" ("总分：N/M" in
// Chinese), in grade.lang.
std::string render_summary(const Grade& grade);

// The line that says where the files went: "Results: DIR/results.json (Gradescope), ...".
std::string render_results_line(const std::string& out_dir, lab::Lang lang);

// Gradescope's format: score, max_score, output, tests[] (name, score, max_score, status, output,
// tags, visibility), visibility, execution_time.
nlohmann::json gradescope_results(const Grade& grade);

// JUnit XML: a <testsuite> per level, a <testcase> per test, <failure> or <skipped> with the text.
std::string junit_xml(const Grade& grade);

// Everything, plainly: the run, each level's score and counts, each test.
nlohmann::json summary_json(const Grade& grade);

// Checks results.json (Gradescope's fields), junit.xml (well-formed, one testcase per test) and
// summary.json in dir, and that the three agree. Prints "score: N/M" and a "passed: NAME",
// "failed: NAME" or "skipped: NAME" line per test; returns false (saying why) when they are not sound.
bool check_outputs(const std::string& dir, std::ostream& out);

}  // namespace grader
