// The points table (labs/grader/points.tsv) and the level a lab test belongs to.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace grader {

// GoogleTest's filter syntax for one pattern: '*' is any text, '?' any one character.
bool glob_match(std::string_view pattern, std::string_view text);

// The level a test belongs to, from its suite's name (for an instantiated Prefix/Suite.Test/param,
// the Suite): "Lv" and the digits that start it (Lv0Exit -> Lv0, Lv12Thing -> Lv12), else its
// first CamelCase word (LifecycleCp -> Lifecycle); "Other" when it starts with no capital.
std::string level_of(std::string_view test_name);

// Orders levels Lv0 < Lv1 < ... < Lv10, then the other names alphabetically, then Other.
bool level_less(const std::string& a, const std::string& b);

// A level as given to --level: "lv1", "LV1" or "1" as "Lv1"; a name ("lifecycle") as it is, in
// lower case; "" when it is not a level's name at all. Compare with same_level().
std::string normalize_level(std::string_view text);
bool same_level(std::string_view a, std::string_view b);  // equal but for case

struct PointsRule {
  std::string pattern;
  double points = 1;
  int line = 0;  // in the file, for messages
};

class PointsTable {
 public:
  static constexpr double kDefault = 1;

  // One rule a line: PATTERN, whitespace, POINTS (a non-negative number); '#' starts a comment;
  // blank lines are ignored. Throws std::runtime_error("FILE:LINE: what is wrong").
  static PointsTable parse(std::string_view text, const std::string& file_name);
  static PointsTable load(const std::string& path);

  // The points of the first rule whose pattern matches the whole name, else kDefault.
  double points_for(std::string_view test_name) const;
  // Rules that give points to none of these names (they match none, or an earlier rule takes
  // every name they match): most likely typos.
  std::vector<PointsRule> unused(const std::vector<std::string>& test_names) const;

  const std::vector<PointsRule>& rules() const { return rules_; }

 private:
  std::vector<PointsRule> rules_;
};

}  // namespace grader
