#include "gtest_output.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "text.hpp"

namespace grader {
namespace {

bool disabled(std::string_view name) {
  std::string_view suite = name.substr(0, name.find('.'));
  if (const size_t slash = suite.rfind('/'); slash != std::string_view::npos) suite = suite.substr(slash + 1);
  const std::string_view test = name.substr(name.find('.') + 1);
  return suite.starts_with("DISABLED_") || test.starts_with("DISABLED_");
}

// GoogleTest 1.12 writes each byte of 0x80 or more into its JSON as \u00XX (EscapeJson reads a
// signed char), so UTF-8 comes back as Latin-1: "é" as "Ã©". When every character is below
// U+0100 this turns each back into the byte it was; text a fixed GoogleTest wrote (a character
// above U+00FF) is left as it is.
std::string unmangle_bytes(const std::string& text) {
  std::string bytes;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      bytes += static_cast<char>(c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < text.size()) {
      bytes += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F));
    } else {
      return text;
    }
  }
  return bytes;
}

// The name in a console marker line: "[       OK ] Suite.Test (12 ms)" -> "Suite.Test".
std::string marker_name(std::string_view rest) {
  const size_t end = rest.find_first_of(" ,");
  return std::string(rest.substr(0, end));
}

}  // namespace

std::vector<std::string> parse_test_list(std::string_view listing) {
  std::vector<std::string> names;
  std::string suite;
  std::istringstream lines{std::string(listing)};
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    // A comment follows two spaces and '#': "  DiffersFromHost/mnt  # GetParam() = mnt".
    if (const size_t comment = line.find("  #", 1); comment != std::string::npos) line.erase(comment);
    if (line.starts_with("  ")) {
      const std::string test = trim(line);
      if (!suite.empty() && !test.empty() && test.find(' ') == std::string::npos) {
        const std::string name = suite + "." + test;
        if (!disabled(name)) names.push_back(name);
      }
    } else {
      // "Suite." starts a suite; anything else (gtest_main's "Running main() from ...") ends one.
      const std::string head = trim(line);
      suite = head.size() > 1 && head.back() == '.' && head.find(' ') == std::string::npos ? head.substr(0, head.size() - 1)
                                                                                            : "";
    }
  }
  return names;
}

std::vector<ConsoleTest> parse_console(std::string_view output) {
  std::vector<ConsoleTest> tests;
  ConsoleTest* open = nullptr;
  std::istringstream lines{std::string(output)};
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("[ RUN      ] ")) {
      tests.push_back({marker_name(std::string_view(line).substr(13)), ConsoleTest::End::None, ""});
      open = &tests.back();
      continue;
    }
    if (open != nullptr) {
      ConsoleTest::End end = ConsoleTest::End::None;
      if (line.starts_with("[       OK ] ")) end = ConsoleTest::End::Ok;
      if (line.starts_with("[  FAILED  ] ")) end = ConsoleTest::End::Failed;
      if (line.starts_with("[  SKIPPED ] ")) end = ConsoleTest::End::Skipped;
      if (end != ConsoleTest::End::None && marker_name(std::string_view(line).substr(13)) == open->name) {
        open->end = end;
        open = nullptr;
        continue;
      }
      open->text += line;
      open->text += '\n';
    }
  }
  return tests;
}

std::string skip_reason(std::string_view console_text) {
  static const std::regex location(R"(^\S.*:\d+: Skipped$)");
  std::string reason;
  std::istringstream lines{std::string(console_text)};
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, location)) continue;
    reason += line;
    reason += '\n';
  }
  return trim(reason);
}

std::optional<std::vector<ReportedTest>> parse_json_report(std::string_view json) {
  const nlohmann::json report = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!report.is_object() || !report.contains("testsuites") || !report["testsuites"].is_array()) return std::nullopt;
  std::vector<ReportedTest> tests;
  for (const auto& suite : report["testsuites"]) {
    if (!suite.is_object() || !suite.contains("testsuite") || !suite["testsuite"].is_array()) continue;
    const std::string suite_name = suite.value("name", "");
    for (const auto& test : suite["testsuite"]) {
      if (!test.is_object()) continue;
      // A test the filter did not select, or a disabled one, did not run.
      if (test.value("status", "RUN") != "RUN" || test.value("result", "COMPLETED") == "SUPPRESSED") continue;
      ReportedTest reported;
      reported.name = suite_name + "." + test.value("name", "");
      reported.skipped = test.value("result", "") == "SKIPPED";
      reported.seconds = std::strtod(test.value("time", "0").c_str(), nullptr);
      if (test.contains("failures") && test["failures"].is_array()) {
        for (const auto& failure : test["failures"]) {
          if (failure.is_object()) reported.failures.push_back(unmangle_bytes(failure.value("failure", "")));
        }
      }
      tests.push_back(std::move(reported));
    }
  }
  return tests;
}

}  // namespace grader
