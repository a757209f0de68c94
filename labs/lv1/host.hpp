// What the host looks like, seen from the test process itself (it runs on the host, as root), so
// lv1 labs can compare it with what the container sees. Header-only, for lv1's tests.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fs.hpp"

namespace lab::lv1 {

// The inode of the test's own /proc/self/ns/NAME (its identity: two processes share a namespace
// exactly when these match), or 0 when it cannot be read.
inline std::uint64_t host_ns_inode(const std::string& name) {
  struct stat st {};
  if (::stat(("/proc/self/ns/" + name).c_str(), &st) != 0) return 0;
  return st.st_ino;
}

// The inode the probe's report gives for namespace NAME, or 0 when it has none.
inline std::uint64_t probe_ns_inode(const nlohmann::json& report, const std::string& name) {
  const nlohmann::json ns = report.value("ns", nlohmann::json::object());
  if (!ns.contains(name) || !ns[name].is_number_unsigned()) return 0;
  return ns[name].get<std::uint64_t>();
}

inline std::string host_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline bool has_line(const std::string& text, const std::string& wanted) {
  const std::vector<std::string> lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), wanted) != lines.end();
}

// The lines of the host's /proc/self/mountinfo that contain needle.
inline std::vector<std::string> host_mounts_mentioning(const std::string& needle) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(read_file("/proc/self/mountinfo"))) {
    if (line.find(needle) != std::string::npos) found.push_back(line);
  }
  return found;
}

inline std::string joined(const std::vector<std::string>& items, const std::string& separator = "\n    ") {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

// Writes text to a new file on the host; false when it cannot.
inline bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

// Names of the host's network interfaces (its /sys/class/net), sorted.
inline std::vector<std::string> host_interfaces() {
  std::vector<std::string> names;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net", ignored)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The entry names of a directory, sorted; empty when it is missing.
inline std::vector<std::string> entries_of(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ignored)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace lab::lv1
