// Which cgroup layout the host has, read from /proc/self/mountinfo.
//
// mountinfo rather than a fixed path: a cgroup hierarchy can be mounted
// anywhere, v1 controllers can share a mount (cpu,cpuacct), and inside a
// container only part of the tree may be visible. The super options of a
// `cgroup` mount name its controllers (Documentation/admin-guide/cgroup-v1/
// cgroups.rst, "Usage"); a `cgroup2` mount has none, its controllers are
// listed in its root's cgroup.controllers (cgroup-v2.rst, "Controlling
// Controllers").
#include <algorithm>
#include <array>
#include <sstream>

#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"

namespace pocker {
namespace {

// The v1 controllers of include/linux/cgroup_subsys.h. Anything else in the
// super options is a mount option (rw, noprefix, clone_children, xattr,
// release_agent=...) or a named hierarchy (name=systemd), which has no
// controller and so limits nothing.
constexpr std::array<std::string_view, 14> kV1Controllers{
    "blkio",  "cpu",    "cpuacct",    "cpuset", "devices", "freezer",  "hugetlb",
    "memory", "misc",   "net_cls",    "net_prio", "perf_event", "pids", "rdma",
};

bool is_v1_controller(std::string_view name) {
  return std::find(kV1Controllers.begin(), kV1Controllers.end(), name) != kV1Controllers.end();
}

// proc(5): mount points escape space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto octal = [&](size_t j) { return s[j] >= '0' && s[j] <= '7'; };
    if (s[i] == '\\' && i + 3 < s.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      int value = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
      out += static_cast<char>(value);
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) parts.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

const char* layout_name(CgroupLayout layout) {
  switch (layout) {
    case CgroupLayout::kV1: return "v1";
    case CgroupLayout::kHybrid: return "hybrid";
    case CgroupLayout::kV2: return "v2";
    case CgroupLayout::kNone: return "none";
  }
  return "none";
}

Result<CgroupHost> detect_cgroups(std::string_view mountinfo_text, const std::string& prefix) {
  CgroupHost host;
  std::string first_v1_dir;
  std::istringstream lines{std::string(mountinfo_text)};
  std::string line;
  while (std::getline(lines, line)) {
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    std::vector<std::string> fields = split(line, ' ');
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (dash == fields.end() || dash - fields.begin() < 6 || fields.end() - dash < 4) continue;
    const std::string& fstype = dash[1];
    const std::string& super_options = dash[3];
    std::string dir = prefix + unescape(fields[4]);
    if (fstype == "cgroup2") {
      if (host.unified.empty()) host.unified = dir;  // the first mount wins, as for v1
    } else if (fstype == "cgroup") {
      for (const auto& option : split(super_options, ',')) {
        if (is_v1_controller(option) && !host.v1_mounts.count(option)) {
          host.v1_mounts[option] = dir;
          if (first_v1_dir.empty()) first_v1_dir = dir;
        }
      }
    }
  }
  if (!host.unified.empty()) {
    // Missing on kernels before 4.5 and in fake trees: no controllers then.
    auto text = read_file(host.unified + "/cgroup.controllers");
    std::istringstream words(text ? text.value() : std::string());
    for (std::string word; words >> word;) host.v2_controllers.push_back(word);
  }
  if (!host.v1_mounts.empty()) {
    host.layout = host.unified.empty() ? CgroupLayout::kV1 : CgroupLayout::kHybrid;
    host.root = dirname(first_v1_dir);
  } else if (!host.unified.empty()) {
    host.layout = CgroupLayout::kV2;
    host.root = host.unified;
  }
  return host;
}

Result<CgroupHost> detect_cgroups() {
  std::string text = TRY_CTX(read_file("/proc/self/mountinfo"), "detect cgroups");
  return detect_cgroups(text);
}

std::string describe(const CgroupHost& host) {
  std::vector<std::string> v1;
  for (const auto& [controller, dir] : host.v1_mounts) v1.push_back(controller);
  std::string v2 = host.v2_controllers.empty() ? std::string("no controllers")
                                               : "controllers: " + join(host.v2_controllers);
  switch (host.layout) {
    case CgroupLayout::kV2:
      return "cgroup v2 (unified at " + host.unified + "; " + v2 + ")";
    case CgroupLayout::kHybrid:
      return "hybrid (v1 controllers: " + join(v1) + "; cgroup2 at " + host.unified + ", " + v2 +
             ")";
    case CgroupLayout::kV1:
      return "cgroup v1 (controllers: " + join(v1) + " under " + host.root + ")";
    case CgroupLayout::kNone:
      break;
  }
  return "no cgroup file system mounted";
}

}  // namespace pocker
