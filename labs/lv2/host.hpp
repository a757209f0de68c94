// What the host's cgroups look like, seen from the test process itself (it runs on the host, as
// root), and what pocker's --trace says it made there, so lv2 labs can check that a container's
// cgroup exists only while it runs. Header-only, for lv2's tests.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/fs.hpp"

namespace lab::lv2 {

// One cgroup file system mounted on the host: a v1 hierarchy (with the controllers in its mount
// options) or the v2 one (with those its root's cgroup.controllers offers).
struct CgroupMount {
  std::string path;
  bool v2 = false;
  std::vector<std::string> controllers;
};

inline std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

inline std::string joined(const std::vector<std::string>& items, const std::string& separator = "\n    ") {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

// Every cgroup and cgroup2 mount in the test's own /proc/self/mountinfo.
inline std::vector<CgroupMount> cgroup_mounts() {
  std::vector<CgroupMount> mounts;
  std::istringstream lines(read_file("/proc/self/mountinfo"));
  for (std::string line; std::getline(lines, line);) {
    // "id parent major:minor root mountpoint options [optional...] - fstype source super_options"
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    const std::vector<std::string> before = split(line.substr(0, dash), ' ');
    const std::vector<std::string> after = split(line.substr(dash + 3), ' ');
    if (before.size() < 5 || after.size() < 3) continue;
    CgroupMount mount;
    mount.path = before[4];
    if (after[0] == "cgroup2") {
      mount.v2 = true;
      mount.controllers = split(read_file(mount.path + "/cgroup.controllers"), ' ');
      for (std::string& name : mount.controllers) {
        if (!name.empty() && name.back() == '\n') name.pop_back();
      }
    } else if (after[0] == "cgroup") {
      for (const std::string& option : split(after[2], ',')) {
        if (option != "rw" && option != "ro" && !option.starts_with("name=") && option.find('=') == std::string::npos) {
          mount.controllers.push_back(option);
        }
      }
    } else {
      continue;
    }
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

// Whether the host offers controller `name` (cpu, memory, pids, cpuset...) in some hierarchy.
inline bool controller_available(const std::string& name) {
  for (const CgroupMount& mount : cgroup_mounts()) {
    if (std::find(mount.controllers.begin(), mount.controllers.end(), name) != mount.controllers.end()) {
      return true;
    }
  }
  return false;
}

// The CPUs the kernel has online (/sys/devices/system/cpu/online, "0-3,6"); empty if unreadable.
inline std::vector<unsigned> online_cpus() {
  std::vector<unsigned> cpus;
  std::string text = read_file("/sys/devices/system/cpu/online");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (const std::string& range : split(text, ',')) {
    const size_t dash = range.find('-');
    const unsigned first = static_cast<unsigned>(std::strtoul(range.c_str(), nullptr, 10));
    const unsigned last =
        dash == std::string::npos ? first : static_cast<unsigned>(std::strtoul(range.c_str() + dash + 1, nullptr, 10));
    for (unsigned cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
  }
  return cpus;
}

inline bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Every <mount>/pocker directory and every directory inside one, over all cgroup mounts, sorted:
// the shared parents and the per-container cgroups pocker makes.
inline std::vector<std::string> pocker_cgroup_dirs() {
  std::vector<std::string> dirs;
  for (const CgroupMount& mount : cgroup_mounts()) {
    const std::string parent = mount.path + "/pocker";
    if (!is_dir(parent)) continue;
    dirs.push_back(parent);
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator(parent, ignored)) {
      if (entry.is_directory(ignored)) dirs.push_back(entry.path().string());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// Those of `dirs` that exist now.
inline std::vector<std::string> still_there(const std::vector<std::string>& dirs) {
  std::vector<std::string> found;
  for (const std::string& dir : dirs) {
    if (is_dir(dir)) found.push_back(dir);
  }
  return found;
}

// Those of `dirs` that hold no process (an empty cgroup.procs): a running container's cgroup
// always holds at least its own process, a leaked one none.
inline std::vector<std::string> without_processes(const std::vector<std::string>& dirs) {
  std::vector<std::string> found;
  for (const std::string& dir : dirs) {
    const std::string procs = read_file(dir + "/cgroup.procs");
    if (procs.find_first_not_of(" \n") == std::string::npos) found.push_back(dir);
  }
  return found;
}

// The lines of pocker's --trace (stderr lines starting "+ ").
inline std::vector<std::string> trace_lines(const std::string& err) {
  std::vector<std::string> lines;
  for (const std::string& line : split(err, '\n')) {
    if (line.starts_with("+ ")) lines.push_back(line);
  }
  return lines;
}

// The per-container cgroup directories a trace says pocker made: `mkdir PATH = ok` lines whose
// PATH is <a cgroup mount>/.../pocker/<id> (not the shared parent <mount>/pocker itself).
inline std::vector<std::string> cgroup_dirs_made(const std::string& err) {
  const std::vector<CgroupMount> mounts = cgroup_mounts();
  std::vector<std::string> dirs;
  for (const std::string& line : trace_lines(err)) {
    const size_t start = line.find("mkdir ");
    const size_t result = line.rfind(" = ");
    if (start == std::string::npos || result == std::string::npos || result < start) continue;
    if (line.substr(result + 3) != "ok") continue;
    std::string path = line.substr(start + 6, result - start - 6);
    if (path.size() >= 2 && path.front() == '"' && path.back() == '"') path = path.substr(1, path.size() - 2);
    const std::filesystem::path p(path);
    if (p.parent_path().filename() != "pocker") continue;
    const bool on_cgroupfs = std::any_of(mounts.begin(), mounts.end(),
                                         [&](const CgroupMount& m) { return path.starts_with(m.path + "/"); });
    if (on_cgroupfs && std::find(dirs.begin(), dirs.end(), path) == dirs.end()) dirs.push_back(path);
  }
  return dirs;
}

// The trace's `mkdir` lines for a path on a cgroup mount (or under /sys/fs/cgroup).
inline std::vector<std::string> cgroup_mkdir_lines(const std::string& err) {
  const std::vector<CgroupMount> mounts = cgroup_mounts();
  std::vector<std::string> found;
  for (const std::string& line : trace_lines(err)) {
    const size_t start = line.find("mkdir ");
    if (start == std::string::npos) continue;
    const std::string rest = line.substr(start + 6);
    bool on_cgroupfs = rest.starts_with("/sys/fs/cgroup") || rest.starts_with("\"/sys/fs/cgroup");
    for (const CgroupMount& m : mounts) on_cgroupfs = on_cgroupfs || rest.find(m.path + "/") != std::string::npos;
    if (on_cgroupfs) found.push_back(line);
  }
  return found;
}

// The container's pid as the trace gives it: `clone3(...) = N`, else `container process N is running`.
inline pid_t container_pid(const std::string& err) {
  for (const std::string& line : trace_lines(err)) {
    if (line.find("clone3(") == std::string::npos && line.find("clone(") == std::string::npos) continue;
    const size_t result = line.rfind(" = ");
    if (result == std::string::npos) continue;
    const long pid = std::strtol(line.c_str() + result + 3, nullptr, 10);
    if (pid > 0) return static_cast<pid_t>(pid);
  }
  const std::string marker = "container process ";
  for (const std::string& line : trace_lines(err)) {
    const size_t at = line.find(marker);
    if (at == std::string::npos || line.find(" is running") == std::string::npos) continue;
    const long pid = std::strtol(line.c_str() + at + marker.size(), nullptr, 10);
    if (pid > 0) return static_cast<pid_t>(pid);
  }
  return -1;
}

// No such process any more, or only its zombie is left (its parent died and nobody reaped it yet).
inline bool process_gone(pid_t pid) {
  if (pid <= 0) return true;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (stat.empty() || close == std::string::npos || close + 2 >= stat.size()) return true;
  const char state = stat[close + 2];
  return state == 'Z' || state == 'X';
}

// Waits until `pid` is gone, for at most `within`; true when it went.
inline bool wait_gone(pid_t pid, std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (!process_gone(pid)) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Puts right what a failing test (or a broken pocker) left: on destruction, SIGKILLs the container
// processes it was told about, then removes the cgroup directories it was told about, and the
// shared <mount>/pocker parents above them when they are empty. A passing test against a working
// pocker leaves it nothing to do. Best effort, errors ignored: rmdir of a parent that another
// container is using fails (ENOTEMPTY) and leaves it alone.
class Leftovers {
 public:
  Leftovers() = default;
  Leftovers(const Leftovers&) = delete;
  Leftovers& operator=(const Leftovers&) = delete;
  ~Leftovers() {
    for (pid_t pid : pids_) {
      if (!process_gone(pid)) ::kill(pid, SIGKILL);
    }
    for (pid_t pid : pids_) wait_gone(pid, std::chrono::seconds(2));
    std::set<std::string> parents;
    for (const std::string& dir : dirs_) {
      // A v1 cgroup whose last task just died can stay busy for a moment: retry briefly.
      for (int attempt = 0; attempt < 50 && is_dir(dir); ++attempt) {
        if (::rmdir(dir.c_str()) == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      parents.insert(std::filesystem::path(dir).parent_path().string());
    }
    for (const std::string& parent : parents) {
      if (std::filesystem::path(parent).filename() == "pocker") ::rmdir(parent.c_str());
    }
  }
  void pid(pid_t pid) {
    if (pid > 0) pids_.push_back(pid);
  }
  void dirs(const std::vector<std::string>& dirs) { dirs_.insert(dirs_.end(), dirs.begin(), dirs.end()); }

 private:
  std::vector<pid_t> pids_;
  std::vector<std::string> dirs_;
};

}  // namespace lab::lv2
