// pocker-grade: grades a pocker binary against the lab tests, level by level, with points per test
// (labs/grader/points.tsv). Prints a table per level and "Score: N/M", writes results.json
// (Gradescope), junit.xml and summary.json, and exits 0 only on full marks. labs/grader/README.md.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "bundle.hpp"
#include "grade.hpp"
#include "points.hpp"
#include "process.hpp"
#include "report.hpp"
#include "text.hpp"

#ifndef POCKER_GRADE_LABS
#error "POCKER_GRADE_LABS must name the lab binary (labs/grader/CMakeLists.txt)"
#endif

namespace fs = std::filesystem;
using namespace grader;

namespace {

// A path as given (made absolute against the working directory), or a bare name looked up in PATH
// the way the labs and a shell do.
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return fs::absolute(name).lexically_normal().string();
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return fs::absolute(candidate).lexically_normal().string();
  }
  return fs::absolute(name).lexically_normal().string();
}

bool executable_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

std::string now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

void write_atomically(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Grades a pocker binary against the lab tests, level by level, with points per test.\n"
      "Prints a table per level and \"Score: N/M\", writes results.json (Gradescope), junit.xml and\n"
      "summary.json, and exits 0 only on full marks (1 otherwise, 2 when it cannot grade).",
      "pocker-grade"};
  std::string pocker_arg, labs = POCKER_GRADE_LABS, points_file = POCKER_GRADE_POINTS, out_dir = POCKER_GRADE_OUT;
  std::string filter, preamble_file, check_dir, bundle_dir;
  std::vector<std::string> level_args;
  double test_timeout = 120;
  bool strict_skips = false, quiet = false, list_only = false;
  app.add_option("--pocker", pocker_arg,
                 "the pocker binary to grade (default: $POCKER, else the one this build made)");
  app.add_option("--level", level_args, "grade only these levels: lv0, lv1, 2, lifecycle... (repeat, or separate with commas)")
      ->delimiter(',');
  app.add_option("--filter", filter, "a GoogleTest filter: grade only the tests it selects (say 'Lv0Exit.*')");
  app.add_option("--out", out_dir, "where results.json, junit.xml, summary.json and logs/ go")->capture_default_str();
  app.add_option("--labs", labs, "the lab test binary")->capture_default_str();
  app.add_option("--points", points_file, "the points table")->capture_default_str();
  app.add_option("--test-timeout", test_timeout, "seconds one test may run before the grader kills it")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--strict-skips", strict_skips, "count a skipped test as failed instead of leaving it out");
  app.add_flag("--quiet", quiet, "list only the tests that failed or were skipped");
  app.add_option("--preamble", preamble_file, "a text file to show at the top of the report (say, a build log)");
  app.add_flag("--list", list_only, "list the tests that would be graded, with level and points, and stop");
  app.add_option("--check", check_dir,
                 "check the results.json, junit.xml and summary.json in this folder, list each test's verdict, "
                 "and stop");
  app.add_option("--gradescope-bundle", bundle_dir,
                 "write a Gradescope autograder (setup.sh, run_autograder, the sources) into this folder, and stop");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!check_dir.empty()) return check_outputs(check_dir, std::cout) ? 0 : 1;
    if (!bundle_dir.empty()) {
      write_gradescope_bundle(bundle_dir, POCKER_GRADE_SOURCE_DIR);
      std::cout << "Wrote a Gradescope autograder to " << bundle_dir << " (setup.sh, run_autograder, pocker/).\n"
                << "Upload it as a zip of the folder's contents: (cd " << bundle_dir
                << " && zip -qr ../pocker-autograder.zip .)\n";
      return 0;
    }

    install_interrupt_handlers();
    Grade grade;
    grade.lang = lab::language();  // POCKER_LANG=zh-CN or a Chinese locale: the summary in Chinese
    grade.started_at = now_iso8601();
    const auto start = std::chrono::steady_clock::now();

    if (pocker_arg.empty()) {
      const char* env = std::getenv("POCKER");
      pocker_arg = env != nullptr && *env != '\0' ? env : POCKER_GRADE_DEFAULT_POCKER;
    }
    grade.pocker = resolve_program(pocker_arg);
    grade.labs = fs::absolute(labs).lexically_normal().string();
    grade.points_file = fs::absolute(points_file).lexically_normal().string();
    if (!preamble_file.empty()) grade.preamble = clean_text(read_text(preamble_file));

    std::vector<std::string> levels_wanted;
    for (const std::string& arg : level_args) {
      const std::string level = normalize_level(arg);
      if (level.empty()) {
        std::cerr << "pocker-grade: --level " << arg << ": expected a level such as lv0, 2 or lifecycle\n";
        return 2;
      }
      levels_wanted.push_back(level);
    }

    PointsTable points;
    try {
      points = PointsTable::load(grade.points_file);
    } catch (const std::exception& e) {
      std::cerr << "pocker-grade: " << e.what() << "\n";
      return 2;
    }

    const std::vector<std::string> env = lab_environment(grade.pocker);
    std::vector<std::string> names;
    try {
      names = list_tests(grade.labs, env, filter);
    } catch (const std::exception& e) {
      std::cerr << "pocker-grade: cannot list the lab tests: " << e.what() << "\n";
      return 2;
    }
    if (filter.empty() && levels_wanted.empty()) {
      for (const PointsRule& rule : points.unused(names)) {
        grade.warnings.push_back(grade.points_file + ":" + std::to_string(rule.line) + ": \"" + rule.pattern +
                                 "\" gives points to no test");
      }
    }
    std::map<std::string, std::vector<std::string>> by_level;
    for (const std::string& name : names) {
      const std::string level = level_of(name);
      const auto wanted = [&](const std::string& wanted_level) { return same_level(wanted_level, level); };
      if (levels_wanted.empty() || std::any_of(levels_wanted.begin(), levels_wanted.end(), wanted))
        by_level[level].push_back(name);
    }
    std::vector<std::string> levels;
    for (const auto& [level, tests] : by_level) levels.push_back(level);
    std::sort(levels.begin(), levels.end(), level_less);
    if (levels.empty()) {
      std::cerr << "pocker-grade: no lab test matches" << (filter.empty() ? "" : " --filter " + filter)
                << (level_args.empty() ? "" : " and --level") << "\n";
      return 2;
    }

    if (list_only) {
      for (const std::string& level : levels)
        for (const std::string& name : by_level[level])
          std::cout << level << "\t" << format_points(points.points_for(name)) << "\t" << name << "\n";
      for (const std::string& warning : grade.warnings) std::cerr << "warning: " << warning << "\n";
      return 0;
    }

    if (!executable_file(grade.pocker)) {
      grade.warnings.push_back(grade.pocker + " is not an executable file: every lab that runs it fails");
    }

    // No result of an earlier run may pass for this one's.
    const fs::path out = fs::absolute(out_dir);
    fs::create_directories(out);
    for (const char* name : {"results.json", "junit.xml", "summary.json", "report.txt"}) fs::remove(out / name);
    fs::remove_all(out / "logs");

    GradeOptions options;
    options.labs = grade.labs;
    options.pocker = grade.pocker;
    options.out_dir = out.string();
    options.source_dir = POCKER_GRADE_SOURCE_DIR;
    options.env = env;
    options.test_timeout = test_timeout;
    options.strict_skips = strict_skips;
    options.progress = ::isatty(STDERR_FILENO) != 0;

    std::string report = "Grading " + grade.pocker + "\n";
    if (!grade.preamble.empty()) report = trim(grade.preamble) + "\n\n" + report;
    std::cout << report << std::flush;
    for (const std::string& level : levels) {
      std::cout << "\n" << std::flush;
      const LevelResult result = grade_level(options, points, level, by_level[level]);
      if (interrupted()) {
        std::cerr << "pocker-grade: interrupted: nothing written\n";
        return 130;
      }
      const std::string text = render_level(result, quiet, grade.lang);
      std::cout << text << std::flush;
      report += "\n" + text;
      grade.levels.push_back(result);
    }
    grade.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    write_atomically(out / "results.json", gradescope_results(grade).dump(2, ' ', false,
                                                                           nlohmann::json::error_handler_t::replace) + "\n");
    write_atomically(out / "junit.xml", junit_xml(grade));
    write_atomically(out / "summary.json",
                     summary_json(grade).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    const std::string summary = "\n" + render_results_line(out.string(), grade.lang) + "\n" + render_summary(grade);
    report += summary;
    write_atomically(out / "report.txt", report);
    std::cout << summary << std::flush;
    return grade.full_marks() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "pocker-grade: " << e.what() << "\n";
    return 2;
  }
}
