// What the lifecycle labs share: a fixture that removes every container it started (and, should a
// broken pocker leave them, their processes, cgroups and mounts), and the host-side looks at what a
// container left behind: state directories, cgroup directories, mounts and processes.
//
// Processes are found by the test's private --root: the monitor of `run -d` is a fork of pocker
// and keeps `pocker --root ROOT run -d ...` as its command line, and the labs that look for leaks
// tag their container commands with it too (`sh -c 'sleep 30; : ROOT'`). Roots are
// /tmp/pocker-lab-XXXXXX, so no two tests, even in parallel, ever match each other's.
#pragma once

#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/fs.hpp"

namespace lab::lifecycle {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  return text.substr(first);
}

inline bool is_hex(std::string_view text, size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

inline std::string joined(const std::vector<std::string>& items, const std::string& separator = "\n    ") {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

// Whether `word` is one of the whitespace-separated words of `text` ("Up" in a `ps` line, but not
// the "Up" inside a container name such as "ShownUp-42").
inline bool has_word(const std::string& text, std::string_view word) {
  std::istringstream words(text);
  for (std::string w; words >> w;) {
    if (w == word) return true;
  }
  return false;
}

// Polls `ready` every `every` until it is true (true) or `within` has passed (false).
template <class Ready>
bool eventually(Ready ready, std::chrono::milliseconds within, std::chrono::milliseconds every = 50ms) {
  const auto until = Clock::now() + within;
  while (!ready()) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(every);
  }
  return true;
}

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---- processes ---------------------------------------------------------------------------------

struct Process {
  pid_t pid = 0;
  std::string comm;     // /proc/PID/comm, without the newline
  std::string cmdline;  // /proc/PID/cmdline, NULs turned into spaces
};

// The state letter of /proc/PID/stat (R, S, Z...), or 0 when there is no such process.
inline char process_state(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return 0;
  return stat[close + 2];
}

// Gone, or dead and only waiting to be reaped (a zombie: it runs nothing any more).
inline bool process_dead(pid_t pid) {
  const char state = process_state(pid);
  return state == 0 || state == 'Z' || state == 'X';
}

// Every live process whose command line contains `text` (a zombie's command line is empty).
inline std::vector<Process> processes_mentioning(const std::string& text) {
  std::vector<Process> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  while (const dirent* entry = ::readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid()) continue;
    std::string cmdline = read_file("/proc/" + name + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(text) == std::string::npos) continue;
    found.push_back({pid, trimmed(read_file("/proc/" + name + "/comm")), trimmed(cmdline)});
  }
  ::closedir(proc);
  return found;
}

inline std::vector<std::string> describe_processes(const std::vector<Process>& processes) {
  std::vector<std::string> lines;
  for (const Process& p : processes) {
    lines.push_back("pid " + std::to_string(p.pid) + " (" + p.comm + "): " + p.cmdline);
  }
  return lines;
}

// ---- mounts and cgroups ------------------------------------------------------------------------

// The mount points in /proc/self/mountinfo, with the file system type of each.
inline std::vector<std::pair<std::string, std::string>> host_mounts() {
  std::vector<std::pair<std::string, std::string>> mounts;
  std::istringstream info(read_file("/proc/self/mountinfo"));
  for (std::string line; std::getline(info, line);) {
    std::istringstream fields(line);
    std::string field, point;
    for (int i = 0; i < 4; ++i) fields >> field;
    fields >> point;
    const size_t dash = line.find(" - ");
    std::string type;
    if (dash != std::string::npos) std::istringstream(line.substr(dash + 3)) >> type;
    mounts.emplace_back(point, type);
  }
  return mounts;
}

// The host's mountinfo lines that contain `text` (say, the test's --root or a volume's directory).
inline std::vector<std::string> mounts_mentioning(const std::string& text) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(read_file("/proc/self/mountinfo"))) {
    if (line.find(text) != std::string::npos) found.push_back(line);
  }
  return found;
}

// Every cgroup (v1) and cgroup2 mount point of the host.
inline std::vector<std::string> cgroup_mount_points() {
  std::vector<std::string> points;
  for (const auto& [point, type] : host_mounts()) {
    if (type == "cgroup" || type == "cgroup2") points.push_back(point);
  }
  return points;
}

// The existing <cgroup mount>/pocker/<id> directories of these containers.
inline std::vector<std::string> cgroup_dirs_of(const std::vector<std::string>& ids) {
  std::vector<std::string> found;
  for (const std::string& mount : cgroup_mount_points()) {
    for (const std::string& id : ids) {
      const std::string dir = mount + "/pocker/" + id;
      std::error_code ignored;
      if (!id.empty() && std::filesystem::is_directory(dir, ignored)) found.push_back(dir);
    }
  }
  return found;
}

// The container state directories under <root>/containers: one per container pocker knows.
inline std::vector<std::string> state_dirs(const std::string& root) {
  std::vector<std::string> ids;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(root + "/containers", ignored)) {
    ids.push_back(entry.path().filename().string());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// What is left on the host of a root's containers after they were all removed: state directories,
// cgroup directories of `ids`, mounts that mention the root, and live processes whose command
// line mentions it. Each item one readable line; empty when all is clean.
inline std::vector<std::string> leftovers(const std::string& root, const std::vector<std::string>& ids) {
  std::vector<std::string> left;
  for (const std::string& id : state_dirs(root)) left.push_back("state: " + root + "/containers/" + id);
  for (const std::string& dir : cgroup_dirs_of(ids)) left.push_back("cgroup: " + dir);
  for (const std::string& line : mounts_mentioning(root)) left.push_back("mount: " + line);
  for (const std::string& line : describe_processes(processes_mentioning(root))) left.push_back("process: " + line);
  return left;
}

// Puts right, best effort, what a broken pocker left: SIGKILLs the processes that mention the root
// and those in the containers' cgroups, removes those cgroup directories, and detaches mounts
// under the root.
inline void sweep(const std::string& root, const std::vector<std::string>& ids) {
  for (const Process& p : processes_mentioning(root)) ::kill(p.pid, SIGKILL);
  const std::vector<std::string> cgroups = cgroup_dirs_of(ids);
  for (const std::string& dir : cgroups) {
    std::istringstream procs(read_file(dir + "/cgroup.procs"));
    for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
  }
  for (const std::string& dir : cgroups) {
    // A cgroup stays busy while its last tasks are zombies, until whoever adopted them reaps them
    // (a host init can take a second or more): retry for a while. The shared <mount>/pocker
    // parent stays: another test's pocker may be about to make a cgroup in it.
    const auto until = Clock::now() + 5s;
    while (::rmdir(dir.c_str()) != 0 && errno == EBUSY && Clock::now() < until) std::this_thread::sleep_for(50ms);
  }
  std::vector<std::string> points;
  for (const auto& [point, type] : host_mounts()) {
    if (point.starts_with(root + "/")) points.push_back(point);
  }
  std::sort(points.rbegin(), points.rend());  // the deepest first
  for (const std::string& point : points) ::umount2(point.c_str(), MNT_DETACH);
}

// ---- the fixture -------------------------------------------------------------------------------

// A LabTest that remembers the containers it started and, when it ends, removes them with
// `rm -f` and then sweeps whatever a broken pocker left. A passing test against a working pocker
// leaves the sweep nothing to do.
class LifecycleTest : public LabTest {
 protected:
  ~LifecycleTest() override {
    std::vector<std::string> ids = ids_;
    for (const std::string& id : state_dirs(pocker.root())) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (!ids.empty()) {
      std::vector<std::string> rm{"rm", "-f"};
      rm.insert(rm.end(), ids.begin(), ids.end());
      RunOptions quick;
      quick.timeout = 30s;
      pocker.run(rm, quick);
    }
    sweep(pocker.root(), ids);
  }

  const std::string& root() const { return pocker.root(); }

  // pocker run -d ARGS...: remembers the id it prints, so the container goes when the test ends.
  Outcome detach(std::vector<std::string> args, std::chrono::milliseconds timeout = 30s) {
    args.insert(args.begin(), {"run", "-d"});
    RunOptions opts;
    opts.timeout = timeout;
    Outcome outcome = pocker.run(std::move(args), opts);
    remember(trimmed(outcome.out));
    return outcome;
  }

  void remember(const std::string& id) {
    if (is_hex(id, 64)) ids_.push_back(id);
  }

  // `pocker inspect REF` parsed; null (and a recorded failure) when it fails or is not JSON.
  nlohmann::json inspect(const std::string& ref, const char* hint) {
    const Outcome outcome = pocker.run({"inspect", ref});
    nlohmann::json j = nlohmann::json::parse(outcome.out, nullptr, /*allow_exceptions=*/false);
    if (j.is_array() && j.size() == 1) j = j[0];  // docker prints a one-element array
    LAB_EXPECT(outcome.status == 0 && j.is_object(), "`inspect` to exit 0 and print one JSON object", outcome,
               hint);
    return j.is_object() ? j : nlohmann::json();
  }

  // inspect's State.Status ("running", "exited"...), or "" when inspect fails.
  std::string status_of(const std::string& ref) {
    const Outcome outcome = pocker.run({"inspect", ref});
    nlohmann::json j = nlohmann::json::parse(outcome.out, nullptr, false);
    if (j.is_array() && j.size() == 1) j = j[0];
    if (!j.is_object() || !j.contains("State") || !j["State"].is_object()) return "";
    return j["State"].value("Status", "");
  }

  // Polls `pocker logs REF` until its output contains `needle`; the last outcome either way.
  Outcome logs_until(const std::string& ref, const std::string& needle, std::chrono::milliseconds within = 5s) {
    Outcome outcome;
    eventually(
        [&] {
          outcome = pocker.run({"logs", ref});
          return outcome.status == 0 && outcome.out.find(needle) != std::string::npos;
        },
        within, 100ms);
    return outcome;
  }

  // The `ps -a` line that contains `needle` (a name), or "" when none does.
  static std::string line_with(const Outcome& ps, const std::string& needle) {
    for (const std::string& line : lines_of(ps.out)) {
      if (line.find(needle) != std::string::npos) return line;
    }
    return "";
  }

 private:
  std::vector<std::string> ids_;
};

}  // namespace lab::lifecycle
