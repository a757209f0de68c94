// The Dockerfile's lines (pocker/dockerfile.hpp): directives, comments,
// continuations, the keyword, its flags and the exec form. Nothing here
// knows what an instruction does; plan.cpp checks their shapes.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "pocker/dockerfile.hpp"

namespace pocker {
namespace {

const std::set<std::string>& known_keywords() {
  static const std::set<std::string> keywords = {
      "FROM", "RUN",  "CMD",   "ENTRYPOINT", "COPY",       "ADD",        "ENV",
      "ARG",  "WORKDIR", "USER", "EXPOSE",   "LABEL",      "VOLUME",     "STOPSIGNAL",
      "SHELL", "MAINTAINER", "ONBUILD", "HEALTHCHECK"};
  return keywords;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(::tolower(static_cast<unsigned char>(c)));
  return s;
}

// `# key=value` at the very top, before any instruction, blank line or
// other comment (docker's rule: the first line that is not one ends them).
bool take_directive(const std::string& line, Dockerfile& df, const std::string& file, int number,
                    Error& error) {
  std::string t = trim(line);
  if (t.size() < 2 || t[0] != '#') return false;
  std::string body = trim(t.substr(1));
  size_t eq = body.find('=');
  if (eq == std::string::npos) return false;
  std::string key = lower(trim(body.substr(0, eq)));
  std::string value = trim(body.substr(eq + 1));
  if (key.empty() || key.find_first_of(" \t") != std::string::npos) return false;
  if (key == "escape") {
    if (value != "\\" && value != "`") {
      error = user_error("{}:{}: invalid escape character {} (use \\ or `)", file, number, value);
      return true;
    }
    df.escape = value[0];
    return true;
  }
  return key == "syntax" || key == "check";
}

// Does the line end with the escape character (a continuation)?
bool continues(std::string& line, char escape) {
  size_t end = line.find_last_not_of(" \t\r");
  if (end == std::string::npos || line[end] != escape) return false;
  line.resize(end);
  return true;
}

Result<void> split_instruction(Instruction& ins, const std::string& text, const std::string& file) {
  std::string t = trim(text);
  size_t gap = t.find_first_of(" \t");
  ins.keyword = upper(t.substr(0, gap));
  std::string rest = gap == std::string::npos ? "" : trim(t.substr(gap));
  if (!known_keywords().count(ins.keyword)) {
    return user_error("{}:{}: unknown instruction: {}", file, ins.line, t.substr(0, gap));
  }
  ins.original = ins.keyword + (rest.empty() ? "" : " " + rest);
  // Flags (`--name=value`) come first, for the instructions that have any.
  static const std::set<std::string> flagged = {"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"};
  while (flagged.count(ins.keyword) && rest.rfind("--", 0) == 0) {
    size_t end = rest.find_first_of(" \t");
    std::string flag = rest.substr(2, end == std::string::npos ? std::string::npos : end - 2);
    size_t eq = flag.find('=');
    std::string name = lower(flag.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : flag.substr(eq + 1);
    if (name.empty()) return user_error("{}:{}: empty flag in {}", file, ins.line, ins.keyword);
    ins.flags.emplace_back(name, value);
    rest = end == std::string::npos ? "" : trim(rest.substr(end));
  }
  ins.args = rest;
  // The exec form: a JSON array of strings; anything else that starts
  // with `[` is the shell form, as docker reads it.
  if (!rest.empty() && rest[0] == '[') {
    auto j = nlohmann::json::parse(rest, nullptr, false);
    if (j.is_array() && std::all_of(j.begin(), j.end(), [](const auto& v) { return v.is_string(); })) {
      ins.exec_form = true;
      for (const auto& v : j) ins.json.push_back(v.get<std::string>());
    }
  }
  return ok();
}

}  // namespace

std::optional<std::string> Instruction::flag(std::string_view name) const {
  for (const auto& [k, v] : flags) {
    if (k == name) return v;
  }
  return std::nullopt;
}

Result<Dockerfile> parse_dockerfile(std::string_view text, const std::string& file) {
  Dockerfile df;
  df.file = file;
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  size_t i = 0;
  // Directives: only at the top.
  for (; i < lines.size(); ++i) {
    Error error(0, "");
    if (!take_directive(lines[i], df, file, static_cast<int>(i + 1), error)) break;
    if (!error.what().empty()) return error;
  }
  while (i < lines.size()) {
    std::string line = lines[i];
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') {
      ++i;
      continue;
    }
    Instruction ins;
    ins.line = static_cast<int>(i + 1);
    std::string joined;
    bool more = continues(line, df.escape);
    joined = line;
    ++i;
    while (more && i < lines.size()) {
      std::string next = lines[i++];
      std::string nt = trim(next);
      // Comment lines inside a continuation are dropped, as are empty ones.
      if (nt.empty() || nt[0] == '#') continue;
      more = continues(next, df.escape);
      joined += next;
    }
    TRY(split_instruction(ins, joined, file));
    df.instructions.push_back(std::move(ins));
  }
  return df;
}

}  // namespace pocker
