#include "template.hpp"

#include <algorithm>
#include <cstdio>

namespace pocker::cli {
namespace {

std::string trimmed(std::string text) {
  text.erase(0, text.find_first_not_of(' '));
  text.erase(text.find_last_not_of(' ') + 1);
  return text;
}

// `.A.B` in `data`; `.` alone is `data` itself.
Result<nlohmann::json> lookup(const std::string& path, const nlohmann::json& data) {
  if (path.empty() || path[0] != '.') {
    return user_error("--format: \"{}\": a field starts with a dot, as {{{{.ID}}}}", path);
  }
  const nlohmann::json* at = &data;
  size_t start = 1;
  while (start < path.size()) {
    size_t end = path.find('.', start);
    std::string key = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!at->is_object() || !at->contains(key)) return user_error("--format: no field \"{}\" in {}", key, path);
    at = &(*at)[key];
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return *at;
}

// Go prints a string as it is, everything else as its value.
std::string text_of(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::vector<std::string> columns(const std::string& line) {
  std::vector<std::string> cells;
  for (size_t start = 0;;) {
    size_t tab = line.find('\t', start);
    cells.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return cells;
    start = tab + 1;
  }
}

}  // namespace

Result<std::string> render_template(const std::string& format, const nlohmann::json& data) {
  std::string out;
  size_t at = 0;
  while (true) {
    size_t open = format.find("{{", at);
    if (open == std::string::npos) break;
    size_t close = format.find("}}", open);
    if (close == std::string::npos) return user_error("--format \"{}\": {{{{ without }}}}", format);
    out += format.substr(at, open - at);
    std::string action = trimmed(format.substr(open + 2, close - open - 2));
    if (action.rfind("json ", 0) == 0) {
      out += TRY(lookup(trimmed(action.substr(5)), data)).dump();
    } else {
      out += text_of(TRY(lookup(action, data)));
    }
    at = close + 2;
  }
  out += format.substr(at);
  for (size_t tab; (tab = out.find("\\t")) != std::string::npos;) out.replace(tab, 2, "\t");
  for (size_t nl; (nl = out.find("\\n")) != std::string::npos;) out.replace(nl, 2, "\n");
  return out;
}

namespace {

// A leading `table` asks for a header and aligned columns; the rest is the row.
bool is_table(const std::string& format) { return format.rfind("table", 0) == 0; }
std::string body_of(const std::string& format) { return is_table(format) ? trimmed(format.substr(5)) : format; }

}  // namespace

Result<void> check_format(const std::string& format, const nlohmann::json& header) {
  TRY(render_template(body_of(format), header));
  return ok();
}

Result<void> print_rows(const std::string& format, const std::vector<nlohmann::json>& rows,
                        const nlohmann::json& header) {
  const bool table = is_table(format);
  const std::string body = body_of(format);
  std::vector<std::string> lines;
  if (table) lines.push_back(TRY(render_template(body, header)));
  for (const auto& row : rows) lines.push_back(TRY(render_template(body, row)));
  if (!table) {
    for (const auto& line : lines) std::printf("%s\n", line.c_str());
    return ok();
  }
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths;
  for (const auto& line : lines) {
    cells.push_back(columns(line));
    for (size_t i = 0; i < cells.back().size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], cells.back()[i].size());
    }
  }
  for (const auto& row : cells) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 3, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
  return ok();
}

}  // namespace pocker::cli
