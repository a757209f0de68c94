#include "report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "text.hpp"

namespace grader {
namespace {

// The words of the report, in each language, side by side. {NAME} marks where a value goes, so a
// language can put the numbers where its grammar wants them.
struct Words {
  std::array<const char*, 6> header;  // the summary table's columns
  const char* total;
  const char* level_one_test;  // "{level}: 1 test"
  const char* level_tests;     // "{level}: {n} tests"
  const char* level_score;  // "{level} score: {score} ({passed} passed, {failed} failed, {skipped} skipped)"
  const char* skipped;
  const char* note;
  const char* not_counted;
  const char* warning;
  const char* score;
  const char* results;
};

constexpr Words kEnglish{
    {"Level", "Tests", "Passed", "Failed", "Skipped", "Score"},
    "Total",
    "{level}: 1 test",
    "{level}: {n} tests",
    "{level} score: {score} ({passed} passed, {failed} failed, {skipped} skipped)",
    "skipped: ",
    "note: ",
    "Skipped tests are not counted: this host lacks what they need (see each one's reason).",
    "warning: ",
    "Score: ",
    "Results: {dir}/results.json (Gradescope), junit.xml, summary.json; logs in {dir}/logs",
};

constexpr Words kChinese{
    {"级别", "测试", "通过", "失败", "跳过", "得分"},
    "合计",
    "{level}：1 个测试",
    "{level}：{n} 个测试",
    "{level} 得分：{score}（通过 {passed}，失败 {failed}，跳过 {skipped}）",
    "跳过：",
    "注意：",
    "跳过的测试不计分：这台主机缺少它们需要的东西（见每个测试的原因）。",
    "警告：",
    "总分：",
    "结果：{dir}/results.json（Gradescope）、junit.xml、summary.json；日志在 {dir}/logs",
};

const Words& words(lab::Lang lang) { return lang == lab::Lang::Zh ? kChinese : kEnglish; }

// A template of Words with its {NAME}s filled in.
std::string fill(std::string text, std::initializer_list<std::pair<std::string_view, std::string>> values) {
  for (const auto& [name, value] : values) text = replace_all(text, "{" + std::string(name) + "}", value);
  return text;
}

std::string pad(std::string text, size_t width, bool right = false) {
  const size_t shown = display_width(text);
  if (shown >= width) return text;
  return right ? std::string(width - shown, ' ') + text : text + std::string(width - shown, ' ');
}

std::string indent(std::string_view text, std::string_view prefix) {
  std::string out;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) out += std::string(prefix) + line + "\n";
  return out;
}

std::string fraction(double score, double max) { return format_points(score) + "/" + format_points(max); }

std::string verdict(const TestResult& test) {
  switch (test.status) {
    case Status::Passed: return "PASS";
    case Status::Failed: return "FAIL";
    case Status::Skipped: return "SKIP";
  }
  return "FAIL";
}

// The first line of a failure that says something (not a bare file:line).
std::string headline(std::string_view output) {
  static const std::regex location(R"(^\S+:\d+(: \w+)?$)");
  std::istringstream lines{std::string(output)};
  for (std::string line; std::getline(lines, line);) {
    line = trim(line);
    if (!line.empty() && !std::regex_match(line, location)) return cut(line, 200);
  }
  return "failed";
}

std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", seconds);
  return buf;
}

// "Suite" and "Test" of "Suite.Test" (JUnit's classname and name).
std::pair<std::string, std::string> split_name(const std::string& name) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return {"", name};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

bool read_json(const std::string& path, nlohmann::json& into, std::ostream& out) {
  std::ifstream in(path);
  if (!in) {
    out << "check: cannot read " << path << "\n";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  into = nlohmann::json::parse(text.str(), nullptr, false);
  if (into.is_discarded() || !into.is_object()) {
    out << "check: " << path << " is not a JSON object\n";
    return false;
  }
  return true;
}

}  // namespace

std::string render_level(const LevelResult& level, bool only_problems, lab::Lang lang) {
  const Words& say = words(lang);
  std::ostringstream out;
  size_t width = 1;
  for (const TestResult& test : level.tests) width = std::max(width, fraction(test.score, test.points).size());
  out << fill(level.tests.size() == 1 ? say.level_one_test : say.level_tests,
              {{"level", level.level}, {"n", std::to_string(level.tests.size())}})
      << "\n";
  for (const TestResult& test : level.tests) {
    if (only_problems && test.status == Status::Passed) continue;
    const std::string points = test.status == Status::Skipped ? "-" : fraction(test.score, test.points);
    out << "  " << verdict(test) << "  " << pad(points, width, true) << "  " << test.name << "\n";
    if (test.status == Status::Skipped) out << indent(test.output, std::string(width + 10, ' ') + say.skipped);
  }
  out << "  "
      << fill(say.level_score, {{"level", level.level},
                                {"score", fraction(level.score(), level.max_score())},
                                {"passed", std::to_string(level.count(Status::Passed))},
                                {"failed", std::to_string(level.count(Status::Failed))},
                                {"skipped", std::to_string(level.count(Status::Skipped))}})
      << "\n";
  for (const std::string& note : level.notes) out << "  " << say.note << note << "\n";
  for (const TestResult& test : level.tests) {
    if (test.status != Status::Failed) continue;
    out << "\n  FAIL " << test.name << " (" << fraction(test.score, test.points) << ")\n"
        << indent(test.output, "    ");
  }
  return out.str();
}

std::string render_summary(const Grade& grade) {
  const Words& say = words(grade.lang);
  std::ostringstream out;
  std::vector<std::vector<std::string>> rows = {{say.header.begin(), say.header.end()}};
  for (const LevelResult& level : grade.levels) {
    rows.push_back({level.level, std::to_string(level.tests.size()), std::to_string(level.count(Status::Passed)),
                    std::to_string(level.count(Status::Failed)), std::to_string(level.count(Status::Skipped)),
                    fraction(level.score(), level.max_score())});
  }
  size_t tests = 0;
  for (const LevelResult& level : grade.levels) tests += level.tests.size();
  rows.push_back({say.total, std::to_string(tests), std::to_string(grade.count(Status::Passed)),
                  std::to_string(grade.count(Status::Failed)), std::to_string(grade.count(Status::Skipped)),
                  fraction(grade.score(), grade.max_score())});
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += (i ? "  " : "") + pad(row[i], widths[i], i > 0);
    out << line << "\n";
  }
  if (grade.count(Status::Skipped) > 0) out << say.not_counted << "\n";
  for (const std::string& warning : grade.warnings) out << say.warning << warning << "\n";
  out << say.score << fraction(grade.score(), grade.max_score()) << "\n";
  return out.str();
}

std::string render_results_line(const std::string& out_dir, lab::Lang lang) {
  return fill(words(lang).results, {{"dir", out_dir}}) + "\n";
}

nlohmann::json gradescope_results(const Grade& grade) {
  nlohmann::json tests = nlohmann::json::array();
  for (const LevelResult& level : grade.levels) {
    for (const TestResult& test : level.tests) {
      std::string output = test.output;
      if (test.status == Status::Skipped) output = "Skipped, not counted: " + output;
      tests.push_back({{"name", test.name},
                       {"score", test.score},
                       {"max_score", test.points},
                       // Gradescope knows only passed and failed; a skipped test is worth 0 of 0.
                       {"status", test.status == Status::Failed ? "failed" : "passed"},
                       {"output", output},
                       {"tags", {test.level}},
                       {"visibility", "visible"}});
    }
  }
  std::string output = grade.preamble.empty() ? "" : trim(grade.preamble) + "\n\n";
  output += render_summary(grade);
  return {{"score", grade.score()},
          {"max_score", grade.max_score()},
          {"output", output},
          {"output_format", "text"},
          {"visibility", "visible"},
          {"execution_time", static_cast<long>(std::lround(grade.seconds))},
          {"tests", tests}};
}

std::string junit_xml(const Grade& grade) {
  std::ostringstream out;
  size_t tests = 0;
  for (const LevelResult& level : grade.levels) tests += level.tests.size();
  const auto attr = [](std::string_view text) { return xml_escape(text, true); };
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"pocker labs\" tests=\"" << tests << "\" failures=\"" << grade.count(Status::Failed)
      << "\" errors=\"0\" skipped=\"" << grade.count(Status::Skipped) << "\" time=\"" << seconds_text(grade.seconds)
      << "\" timestamp=\"" << attr(grade.started_at) << "\">\n";
  for (const LevelResult& level : grade.levels) {
    double seconds = 0;
    for (const TestResult& test : level.tests) seconds += test.seconds;
    out << "  <testsuite name=\"" << attr(level.level) << "\" tests=\"" << level.tests.size() << "\" failures=\""
        << level.count(Status::Failed) << "\" errors=\"0\" skipped=\"" << level.count(Status::Skipped)
        << "\" time=\"" << seconds_text(seconds) << "\" timestamp=\"" << attr(grade.started_at) << "\">\n"
        << "    <properties>\n"
        << "      <property name=\"score\" value=\"" << format_points(level.score()) << "\"/>\n"
        << "      <property name=\"max_score\" value=\"" << format_points(level.max_score()) << "\"/>\n"
        << "    </properties>\n";
    for (const TestResult& test : level.tests) {
      const auto [suite, name] = split_name(test.name);
      out << "    <testcase name=\"" << attr(name) << "\" classname=\"" << attr(suite) << "\" time=\""
          << seconds_text(test.seconds) << "\"";
      if (test.status == Status::Passed) {
        out << "/>\n";
      } else if (test.status == Status::Skipped) {
        out << ">\n      <skipped message=\"" << attr(cut(test.output, 1000)) << "\"/>\n    </testcase>\n";
      } else {
        out << ">\n      <failure message=\"" << attr(headline(test.output)) << "\" type=\"failure\">"
            << xml_escape(test.output) << "</failure>\n    </testcase>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return out.str();
}

nlohmann::json summary_json(const Grade& grade) {
  nlohmann::json levels = nlohmann::json::array();
  for (const LevelResult& level : grade.levels) {
    nlohmann::json tests = nlohmann::json::array();
    for (const TestResult& test : level.tests) {
      tests.push_back({{"name", test.name},
                       {"status", status_name(test.status)},
                       {"points", test.points},
                       {"score", test.score},
                       {"seconds", test.seconds},
                       {"output", test.output}});
    }
    levels.push_back({{"level", level.level},
                      {"score", level.score()},
                      {"max_score", level.max_score()},
                      {"passed", level.count(Status::Passed)},
                      {"failed", level.count(Status::Failed)},
                      {"skipped", level.count(Status::Skipped)},
                      {"notes", level.notes},
                      {"logs", level.logs},
                      {"tests", tests}});
  }
  return {{"pocker", grade.pocker},
          {"labs", grade.labs},
          {"points_table", grade.points_file},
          {"started_at", grade.started_at},
          {"seconds", grade.seconds},
          {"score", grade.score()},
          {"max_score", grade.max_score()},
          {"full_marks", grade.full_marks()},
          {"passed", grade.count(Status::Passed)},
          {"failed", grade.count(Status::Failed)},
          {"skipped", grade.count(Status::Skipped)},
          {"warnings", grade.warnings},
          {"levels", levels}};
}

bool check_outputs(const std::string& dir, std::ostream& out) {
  bool ok = true;
  const auto problem = [&](const std::string& what) {
    out << "check: " << what << "\n";
    ok = false;
  };
  constexpr double kEpsilon = 1e-6;

  // results.json: Gradescope's fields.
  nlohmann::json results, summary;
  if (!read_json(dir + "/results.json", results, out)) return false;
  if (!results.contains("score") || !results["score"].is_number()) problem("results.json: score is not a number");
  if (!results.contains("max_score") || !results["max_score"].is_number())
    problem("results.json: max_score is not a number");
  if (results.contains("output") && !results["output"].is_string()) problem("results.json: output is not text");
  if (!results.contains("tests") || !results["tests"].is_array()) {
    problem("results.json: tests is not an array");
    return false;
  }
  static const std::vector<std::string> kVisibility = {"visible", "hidden", "after_due_date", "after_published"};
  double score = 0, max_score = 0;
  int failed = 0;
  for (const auto& test : results["tests"]) {
    const std::string name = test.is_object() && test.contains("name") && test["name"].is_string()
                                 ? test["name"].get<std::string>() : "";
    const std::string where = "results.json: test \"" + name + "\": ";
    if (!test.is_object() || name.empty()) {
      problem("results.json: a test without a name");
      continue;
    }
    for (const char* key : {"score", "max_score"}) {
      if (!test.contains(key) || !test[key].is_number() || test[key].get<double>() < 0)
        problem(where + key + " is not a number of 0 or more");
    }
    if (test.value("score", 0.0) > test.value("max_score", 0.0) + kEpsilon) problem(where + "score over max_score");
    score += test.value("score", 0.0);
    max_score += test.value("max_score", 0.0);
    const std::string status = test.contains("status") && test["status"].is_string() ? test["status"].get<std::string>() : "";
    if (status != "passed" && status != "failed") problem(where + "status is not \"passed\" or \"failed\"");
    failed += status == "failed";
    if (!test.contains("output") || !test["output"].is_string()) problem(where + "output is not text");
    bool tags_ok = test.contains("tags") && test["tags"].is_array() && !test["tags"].empty();
    if (tags_ok)
      for (const auto& tag : test["tags"]) tags_ok = tags_ok && tag.is_string();
    if (!tags_ok) problem(where + "tags is not a list of level names");
    const std::string visibility = test.value("visibility", "");
    if (std::find(kVisibility.begin(), kVisibility.end(), visibility) == kVisibility.end())
      problem(where + "visibility is not one of Gradescope's");
  }
  if (std::abs(score - results.value("score", -1.0)) > kEpsilon) problem("results.json: score is not the sum of the tests'");
  if (std::abs(max_score - results.value("max_score", -1.0)) > kEpsilon)
    problem("results.json: max_score is not the sum of the tests'");

  // summary.json: the same run.
  if (!read_json(dir + "/summary.json", summary, out)) return false;
  std::vector<std::pair<std::string, std::string>> verdicts;  // name, status
  int skipped = 0;
  if (!summary.contains("levels") || !summary["levels"].is_array()) {
    problem("summary.json: levels is not an array");
  } else {
    for (const auto& level : summary["levels"]) {
      if (!level.is_object() || !level.contains("tests") || !level["tests"].is_array()) {
        problem("summary.json: a level without tests");
        continue;
      }
      for (const auto& test : level["tests"]) {
        if (!test.is_object()) continue;
        verdicts.emplace_back(test.value("name", ""), test.value("status", ""));
        skipped += test.value("status", "") == "skipped";
      }
    }
  }
  if (std::abs(summary.value("score", -1.0) - results.value("score", -2.0)) > kEpsilon ||
      std::abs(summary.value("max_score", -1.0) - results.value("max_score", -2.0)) > kEpsilon)
    problem("summary.json and results.json give different scores");
  if (verdicts.size() != results["tests"].size()) {
    problem("summary.json and results.json list different numbers of tests");
  } else {
    for (size_t i = 0; i < verdicts.size(); ++i) {
      const auto& test = results["tests"][i];
      const std::string status = test.is_object() ? test.value("status", "") : "";
      if (!test.is_object() || test.value("name", "") != verdicts[i].first ||
          (verdicts[i].second == "failed") != (status == "failed"))
        problem("summary.json and results.json disagree about " + verdicts[i].first);
    }
  }

  // junit.xml: well-formed, and the same tests.
  std::ifstream in(dir + "/junit.xml", std::ios::binary);
  if (!in) {
    problem("cannot read " + dir + "/junit.xml");
  } else {
    std::ostringstream text;
    text << in.rdbuf();
    const XmlCheck xml = check_xml(text.str());
    if (!xml.ok) {
      problem("junit.xml is not well-formed XML: " + xml.error);
    } else {
      const auto count = [&](const char* name) {
        const auto it = xml.elements.find(name);
        return it == xml.elements.end() ? 0 : it->second;
      };
      if (xml.root != "testsuites") problem("junit.xml: the root is <" + xml.root + ">, not <testsuites>");
      if (static_cast<size_t>(count("testcase")) != verdicts.size())
        problem("junit.xml holds " + std::to_string(count("testcase")) + " testcases, not " +
                std::to_string(verdicts.size()));
      if (count("failure") != failed) problem("junit.xml's failures do not match results.json's");
      if (count("skipped") != skipped) problem("junit.xml's skipped tests do not match summary.json's");
    }
  }

  out << "score: " << format_points(results.value("score", 0.0)) << "/" << format_points(results.value("max_score", 0.0))
      << "\n";
  for (const auto& [name, status] : verdicts) out << status << ": " << name << "\n";
  if (ok) out << "check: results.json, junit.xml and summary.json are sound and agree\n";
  return ok;
}

}  // namespace grader
