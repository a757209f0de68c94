#include "points.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace grader {

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matching with one backtrack point for the last '*': linear in practice.
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++, resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1, t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string level_of(std::string_view test_name) {
  std::string_view suite = test_name.substr(0, test_name.find('.'));
  if (const size_t slash = suite.rfind('/'); slash != std::string_view::npos) suite = suite.substr(slash + 1);
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  if (suite.size() >= 3 && suite.starts_with("Lv") && digit(suite[2])) {
    size_t end = 2;
    while (end < suite.size() && digit(suite[end])) ++end;
    return std::string(suite.substr(0, end));
  }
  // The first CamelCase word: LifecycleCp -> Lifecycle.
  if (suite.empty() || !std::isupper(static_cast<unsigned char>(suite[0]))) return "Other";
  size_t end = 1;
  while (end < suite.size() && (std::islower(static_cast<unsigned char>(suite[end])) || digit(suite[end]))) ++end;
  return std::string(suite.substr(0, end));
}

bool level_less(const std::string& a, const std::string& b) {
  const auto key = [](const std::string& level) {
    const bool numbered = level.size() > 2 && level.starts_with("Lv") && std::isdigit(static_cast<unsigned char>(level[2]));
    return std::tuple(numbered ? 0 : level == "Other" ? 2 : 1, numbered ? std::strtol(level.c_str() + 2, nullptr, 10) : 0L,
                      level);
  };
  return key(a) < key(b);
}

std::string normalize_level(std::string_view text) {
  std::string lower;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return "";
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::string digits = lower.starts_with("lv") ? lower.substr(2) : lower;
  if (!digits.empty() && digits.size() <= 4 && std::all_of(digits.begin(), digits.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      }))
    return "Lv" + std::to_string(std::stoi(digits));
  return lower;
}

bool same_level(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

PointsTable PointsTable::parse(std::string_view text, const std::string& file_name) {
  PointsTable table;
  std::istringstream lines{std::string(text)};
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const auto fail = [&](const std::string& what) {
      throw std::runtime_error(file_name + ":" + std::to_string(number) + ": " + what + " (expected PATTERN<TAB>POINTS)");
    };
    // A '#' starts a comment at the start of a line or after whitespace (a pattern may not hold one).
    for (size_t hash = line.find('#'); hash != std::string::npos; hash = line.find('#', hash + 1)) {
      if (hash == 0 || std::isspace(static_cast<unsigned char>(line[hash - 1]))) {
        line.erase(hash);
        break;
      }
    }
    std::istringstream fields(line);
    std::string pattern, points, extra;
    if (!(fields >> pattern)) continue;
    if (!(fields >> points)) fail("no points after \"" + pattern + "\"");
    if (fields >> extra) fail("more than two fields");
    char* end = nullptr;
    const double value = std::strtod(points.c_str(), &end);
    if (end == points.c_str() || *end != '\0' || !std::isfinite(value) || value < 0)
      fail("\"" + points + "\" is not a number of points (0 or more)");
    table.rules_.push_back({pattern, value, number});
  }
  return table;
}

PointsTable PointsTable::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read the points table");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

double PointsTable::points_for(std::string_view test_name) const {
  for (const PointsRule& rule : rules_)
    if (glob_match(rule.pattern, test_name)) return rule.points;
  return kDefault;
}

std::vector<PointsRule> PointsTable::unused(const std::vector<std::string>& test_names) const {
  std::vector<bool> used(rules_.size(), false);
  for (const std::string& name : test_names) {
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (glob_match(rules_[i].pattern, name)) {
        used[i] = true;
        break;
      }
    }
  }
  std::vector<PointsRule> result;
  for (size_t i = 0; i < rules_.size(); ++i)
    if (!used[i]) result.push_back(rules_[i]);
  return result;
}

}  // namespace grader
