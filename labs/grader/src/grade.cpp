#include "grade.hpp"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "gtest_output.hpp"
#include "process.hpp"
#include "text.hpp"

extern char** environ;

namespace grader {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxOutput = 16000;  // bytes of output kept for one test
constexpr size_t kMaxCrashLog = 6000;  // bytes of a crashed test's console shown

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The lesson folder for a level (Lv0: "lessons/lv0-syscalls", Lifecycle: "lessons/lifecycle"), "" when
// there is none.
std::string lesson_of(const std::string& source_dir, const std::string& level) {
  std::error_code ec;
  std::string prefix = level;
  for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  prefix += "-";
  for (const auto& entry : fs::directory_iterator(fs::path(source_dir) / "lessons", ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory(ec) && (name.starts_with(prefix) || name + "-" == prefix)) return "lessons/" + name;
  }
  return "";
}

class LevelRunner {
 public:
  LevelRunner(const GradeOptions& options, const PointsTable& points, const std::string& level)
      : options_(options), points_(points), lesson_(lesson_of(options.source_dir, level)) {
    result_.level = level;
  }

  LevelResult run(const std::vector<std::string>& tests) {
    std::vector<std::string> remaining = tests;
    const fs::path logs = fs::path(options_.out_dir) / "logs";
    fs::create_directories(logs);
    for (int attempt = 1; !remaining.empty() && !interrupted(); ++attempt) {
      std::string stem = result_.level;
      for (char& c : stem) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (attempt > 1) stem += "." + std::to_string(attempt);
      const std::string json_path = (logs / (stem + ".json")).string();
      const std::string log_path = (logs / (stem + ".log")).string();
      fs::remove(json_path);

      std::string filter;
      for (const std::string& name : remaining) filter += (filter.empty() ? "" : ":") + name;
      RunSpec spec;
      spec.argv = {options_.labs, "--gtest_filter=" + filter, "--gtest_output=json:" + json_path, "--gtest_color=no"};
      spec.env = options_.env;
      spec.test_timeout = options_.test_timeout;
      size_t started = tests.size() - remaining.size();
      if (options_.progress) {
        spec.on_test_start = [&](const std::string& name) {
          std::cerr << "\r\033[K  [" << result_.level << " " << ++started << "/" << tests.size() << "] " << name
                    << std::flush;
        };
      }
      const RunResult run = run_gtest(spec);
      if (options_.progress) std::cerr << "\r\033[K" << std::flush;
      std::ofstream(log_path, std::ios::binary) << run.output;
      result_.logs.push_back(log_path);

      if (!run.started) {
        for (const std::string& name : remaining)
          fail(name, "the grader could not start the lab binary: " + run.exec_error);
        result_.notes.push_back(run.exec_error);
        break;
      }
      if (run.interrupted) break;

      const std::vector<ConsoleTest> console = parse_console(run.output);
      std::map<std::string, const ConsoleTest*> by_name;
      for (const ConsoleTest& test : console) by_name[test.name] = &test;
      const std::set<std::string> wanted(remaining.begin(), remaining.end());

      const bool ended_normally = !run.timed_out && run.signal == 0;
      const auto report = ended_normally ? parse_json_report(read_whole(json_path)) : std::nullopt;
      if (report) {
        bool any_failed = false;
        for (const ReportedTest& test : *report) {
          if (!wanted.count(test.name) || done_.count(test.name)) continue;
          const auto seen = by_name.find(test.name);
          record_reported(test, seen == by_name.end() ? "" : seen->second->text);
          any_failed = any_failed || !test.failures.empty();
        }
        for (const std::string& name : remaining) {
          if (!done_.count(name))
            fail(name, "the lab binary did not report this test (it exited with status " +
                           std::to_string(run.exit_code) + "); see " + log_path);
        }
        if (run.exit_code != 0 && !any_failed) {
          result_.notes.push_back("the lab binary exited with status " + std::to_string(run.exit_code) +
                                  " although no test failed; see " + log_path);
        }
        break;
      }

      // No report: the binary crashed, hung or exited early. Keep what its console shows, charge
      // the test it was running, and run the rest again.
      const std::string death = describe_death(run);
      bool progressed = false;
      std::string victim;
      for (const ConsoleTest& test : console) {
        if (!wanted.count(test.name) || done_.count(test.name)) continue;
        progressed = true;
        switch (test.end) {
          case ConsoleTest::End::Ok: pass(test.name, 0); break;
          case ConsoleTest::End::Failed: fail(test.name, tidy(test.text)); break;
          case ConsoleTest::End::Skipped: skip(test.name, skip_reason(test.text)); break;
          case ConsoleTest::End::None:
            victim = test.name;
            fail(test.name, victim_text(run) + " This test counts as failed; the grader ran the rest of " +
                                result_.level + " (if any) in a fresh process." +
                                (trim(test.text).empty() ? std::string()
                                                         : "\nWhat it printed before that:\n" +
                                                               cut(tidy(test.text), kMaxCrashLog, true)) +
                                (lesson_.empty() ? "" : "\n  lesson: " + lesson_) + "\n  log: " + log_path);
            break;
        }
      }
      if (!progressed) {
        const std::string tail = cut(clean_text(trim(run.output)), kMaxCrashLog, true);
        for (const std::string& name : remaining) {
          fail(name, "This test did not run: " + death + " before it started any test." +
                         (tail.empty() ? "" : "\nIt printed:\n" + tail) +
                         "\n  log: " + log_path);
        }
        result_.notes.push_back(death + " before it ran any test; see " + log_path);
        break;
      }
      result_.notes.push_back((victim.empty() ? "" : "during " + victim + ", ") + death + "; see " + log_path);
      std::vector<std::string> rest;
      for (const std::string& name : remaining)
        if (!done_.count(name)) rest.push_back(name);
      remaining = std::move(rest);
    }
    // In the listing's order.
    for (const std::string& name : tests) {
      if (const auto it = done_.find(name); it != done_.end()) result_.tests.push_back(it->second);
    }
    return result_;
  }

 private:
  // What happened to a lab binary that wrote no report.
  std::string describe_death(const RunResult& run) const {
    if (run.timed_out) {
      return "the grader killed the lab binary: a test ran longer than " + format_points(options_.test_timeout) + " s";
    }
    if (run.signal != 0) {
      const char* abbrev = sigabbrev_np(run.signal);
      return "the lab binary was killed by signal " + std::to_string(run.signal) + " (" +
             (abbrev != nullptr ? "SIG" + std::string(abbrev) + ": " : "") + strsignal(run.signal) + ")";
    }
    return "the lab binary exited with status " + std::to_string(run.exit_code) + " without writing its report";
  }

  // The same, told to the test that was running then.
  std::string victim_text(const RunResult& run) const {
    if (run.timed_out) {
      return "This test was still running after " + format_points(options_.test_timeout) +
             " s (--test-timeout), so the grader killed the lab binary.";
    }
    std::string text = describe_death(run) + " while this test ran.";
    text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    return text;
  }

  // Clean text with no bare "Failed" summary lines, and source locations ("/src/labs/x.cpp:12",
  // "...: Failure") relative to the toolkit's source. Other paths (the pocker that ran) stay whole.
  std::string tidy(std::string_view raw) const {
    static const std::regex location(R"(^\S+:\d+(: \w+)?$)");
    const std::string prefix = options_.source_dir.empty() ? "" : options_.source_dir + "/";
    std::istringstream lines(clean_text(raw));
    std::string kept;
    for (std::string line; std::getline(lines, line);) {
      if (line == "Failed") continue;
      if (!prefix.empty() && line.starts_with(prefix) && std::regex_match(line, location)) line.erase(0, prefix.size());
      kept += line + "\n";
    }
    return trim(kept);
  }

  TestResult& add(const std::string& name, Status status, double seconds, std::string output) {
    TestResult& test = done_[name];
    test.name = name;
    test.level = result_.level;
    test.status = status;
    test.seconds = seconds;
    test.output = cut(output, kMaxOutput);
    test.points = points_.points_for(name);
    if (status == Status::Skipped && options_.strict_skips) {
      test.status = Status::Failed;
      test.output = "skipped, and counted as failed (--strict-skips): " + test.output;
    } else if (status == Status::Skipped) {
      test.points = 0;  // not counted
    }
    test.score = test.status == Status::Passed ? test.points : 0;
    return test;
  }
  void pass(const std::string& name, double seconds) { add(name, Status::Passed, seconds, ""); }
  void fail(const std::string& name, std::string output) { add(name, Status::Failed, 0, std::move(output)); }
  void skip(const std::string& name, std::string reason) {
    add(name, Status::Skipped, 0, reason.empty() ? "the lab gave no reason" : tidy(reason));
  }

  void record_reported(const ReportedTest& test, const std::string& console_text) {
    if (!test.failures.empty()) {
      std::string output;
      for (const std::string& failure : test.failures) output += (output.empty() ? "" : "\n\n") + tidy(failure);
      add(test.name, Status::Failed, test.seconds, output);
    } else if (test.skipped) {
      const std::string reason = skip_reason(console_text);
      add(test.name, Status::Skipped, test.seconds, reason.empty() ? "the lab gave no reason" : tidy(reason));
    } else {
      pass(test.name, test.seconds);
    }
  }

  const GradeOptions& options_;
  const PointsTable& points_;
  const std::string lesson_;
  LevelResult result_;
  std::map<std::string, TestResult> done_;
};

}  // namespace

const char* status_name(Status status) {
  switch (status) {
    case Status::Passed: return "passed";
    case Status::Failed: return "failed";
    case Status::Skipped: return "skipped";
  }
  return "failed";
}

double LevelResult::score() const {
  double sum = 0;
  for (const TestResult& test : tests) sum += test.score;
  return sum;
}
double LevelResult::max_score() const {
  double sum = 0;
  for (const TestResult& test : tests) sum += test.points;
  return sum;
}
int LevelResult::count(Status status) const {
  int n = 0;
  for (const TestResult& test : tests) n += test.status == status;
  return n;
}

double Grade::score() const {
  double sum = 0;
  for (const LevelResult& level : levels) sum += level.score();
  return sum;
}
double Grade::max_score() const {
  double sum = 0;
  for (const LevelResult& level : levels) sum += level.max_score();
  return sum;
}
int Grade::count(Status status) const {
  int n = 0;
  for (const LevelResult& level : levels) n += level.count(status);
  return n;
}
bool Grade::full_marks() const { return score() + 1e-9 >= max_score(); }

std::vector<std::string> lab_environment(const std::string& pocker) {
  static const char* const kDropped[] = {"GTEST_", "POCKER=", "XML_OUTPUT_FILE=", "TEST_PREMATURE_EXIT_FILE=",
                                         "TEST_WARNINGS_OUTPUT_FILE=", "TEST_SHARD_STATUS_FILE="};
  std::vector<std::string> env;
  for (char** var = environ; var != nullptr && *var != nullptr; ++var) {
    const std::string_view entry = *var;
    bool dropped = false;
    for (const char* prefix : kDropped) dropped = dropped || entry.starts_with(prefix);
    if (!dropped) env.emplace_back(entry);
  }
  env.push_back("POCKER=" + pocker);
  return env;
}

std::vector<std::string> list_tests(const std::string& labs, const std::vector<std::string>& env,
                                    const std::string& filter) {
  RunSpec spec;
  spec.argv = {labs, "--gtest_list_tests", "--gtest_filter=" + (filter.empty() ? std::string("*") : filter)};
  spec.env = env;
  spec.total_timeout = 60;
  const RunResult run = run_gtest(spec);
  if (!run.started) throw std::runtime_error(run.exec_error);
  if (run.exit_code != 0) {
    throw std::runtime_error(labs + " --gtest_list_tests failed (status " + std::to_string(run.exit_code) +
                             ", signal " + std::to_string(run.signal) + "):\n" + cut(run.output, 4000, true));
  }
  return parse_test_list(run.output);
}

LevelResult grade_level(const GradeOptions& options, const PointsTable& points, const std::string& level,
                        const std::vector<std::string>& tests) {
  return LevelRunner(options, points, level).run(tests);
}

}  // namespace grader
