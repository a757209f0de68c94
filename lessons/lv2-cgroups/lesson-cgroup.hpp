// lv2: a tiny cgroup helper that the three examples share.
//
// It makes one temporary cgroup called pocker-lesson-<pid>, on cgroup v1
// (and hybrid) or on cgroup v2, writes limit files into it, moves a process
// in, and removes it again. pocker's real drivers (pocker/src/cgroup/v1.cpp
// and v2.cpp) do the same, with more checks.
//
// Only the layout detection comes from pocker (detect_cgroups, which reads
// /proc/self/mountinfo). Everything else is open, write, mkdir and rmdir.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <csignal>
#include <string>
#include <vector>

#include "pocker/cgroup.hpp"

namespace lesson {

// Writes `value` into a cgroup file. A cgroup file takes one write(2): the
// kernel checks the value right there, and a bad value fails with an error
// such as EINVAL (it is not stored and checked later).
inline bool write_file(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    std::printf("write %s: %s\n", path.c_str(), strerror(errno));
    return false;
  }
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n < 0) {
    std::printf("write %s \"%s\": %s\n", path.c_str(), value.c_str(), strerror(err));
    return false;
  }
  std::printf("  write %-48s \"%s\"\n", path.c_str(), value.c_str());
  return true;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// One temporary cgroup for the given controllers ("cpu", "memory", "pids").
class Cgroup {
 public:
  // Finds the layout and makes the directories. On failure, ok() is false.
  explicit Cgroup(const std::vector<std::string>& controllers) {
    auto host = pocker::detect_cgroups();
    if (!host) {
      std::printf("detect cgroups: %s\n", host.error().message().c_str());
      return;
    }
    std::printf("cgroup layout: %s\n", pocker::layout_name(host.value().layout));
    std::string name = "pocker-lesson-" + std::to_string(::getpid());

    if (host.value().layout == pocker::CgroupLayout::kV2) {
      // v2: one tree. A cgroup that switches controllers on for its children
      // may not hold processes itself ("no internal processes"), so we make
      // a parent for the switch and a leaf for the process:
      //   /sys/fs/cgroup/pocker-lesson-<pid>/box
      v2_ = true;
      const std::string& root = host.value().unified;
      std::string parent = root + "/" + name;
      std::string leaf = parent + "/box";
      if (!make_dir(parent)) return;
      for (const auto& c : controllers) {
        // The root must pass the controller down to our parent, and our
        // parent to the leaf. Each "+cpu" write switches it on one level lower.
        if (!write_file(root + "/cgroup.subtree_control", "+" + c)) return;
        if (!write_file(parent + "/cgroup.subtree_control", "+" + c)) return;
      }
      if (!make_dir(leaf)) return;
      dirs_.assign(controllers.size(), leaf);  // one leaf for every controller
    } else if (host.value().layout == pocker::CgroupLayout::kV1 ||
               host.value().layout == pocker::CgroupLayout::kHybrid) {
      // v1 (and hybrid): one tree per controller, so one directory in each:
      //   /sys/fs/cgroup/cpu/pocker-lesson-<pid>, /sys/fs/cgroup/memory/...
      for (const auto& c : controllers) {
        auto mount = host.value().v1_mounts.find(c);
        if (mount == host.value().v1_mounts.end()) {
          std::printf("the %s controller is not mounted\n", c.c_str());
          return;
        }
        std::string dir = mount->second + "/" + name;
        if (!make_dir(dir)) return;
        dirs_.push_back(dir);
      }
    } else {
      std::printf("no cgroup file system is mounted\n");
      return;
    }
    ok_ = true;
  }

  // Always cleans up: on success, on failure, and on an early return.
  ~Cgroup() { remove(); }
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;

  bool ok() const { return ok_; }
  bool v2() const { return v2_; }

  // The directory of the i-th controller given to the constructor.
  const std::string& dir(size_t i) const { return dirs_.at(i); }

  // Moves `pid` in: write it into cgroup.procs (in every tree, on v1).
  bool add(pid_t pid) {
    for (const auto& d : dirs_) {
      if (!write_file(d + "/cgroup.procs", std::to_string(pid))) return false;
    }
    std::fflush(stdout);  // print it now, before the child's own output
    return true;
  }

  // Kills whatever is still inside, then rmdir, children before parents.
  // rmdir fails with EBUSY while a process is inside, and a killed process
  // takes a moment to leave, so we try again for up to 2 s.
  void remove() {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
      const std::string& d = *it;
      for (int tries = 0; tries < 200; ++tries) {
        if (::rmdir(d.c_str()) == 0 || errno == ENOENT) break;
        if (errno != EBUSY) {
          std::printf("rmdir %s: %s\n", d.c_str(), strerror(errno));
          break;
        }
        std::istringstream pids(read_file(d + "/cgroup.procs"));
        for (pid_t p; pids >> p;) {
          if (p > 1 && p != ::getpid()) ::kill(p, SIGKILL);
        }
        struct timespec ten_ms = {0, 10'000'000};
        ::nanosleep(&ten_ms, nullptr);
      }
    }
    made_.clear();
  }

 private:
  bool make_dir(const std::string& d) {
    if (::mkdir(d.c_str(), 0755) < 0) {
      std::printf("mkdir %s: %s\n", d.c_str(), strerror(errno));
      return false;
    }
    std::printf("  mkdir %s\n", d.c_str());
    made_.push_back(d);
    return true;
  }

  bool ok_ = false;
  bool v2_ = false;
  std::vector<std::string> dirs_;   // one per controller (the same leaf on v2)
  std::vector<std::string> made_;   // what we created, in order
};

// Runs `body` in a child process that starts only once it is inside
// `cgroup`: the child waits on a pipe until the parent has written its pid
// to cgroup.procs, so not one instruction runs outside the limits. The
// child exits with body's return value; if the parent dies first, the
// kernel kills it (PR_SET_PDEATHSIG), so no busy loop is left behind.
// Returns false if the fork or the move failed; otherwise `status` (and
// `usage`, the CPU time the child used) come from wait4(2).
template <typename Body>
bool run_in_cgroup(Cgroup& cgroup, Body body, int& status, struct rusage* usage = nullptr) {
  int go[2];
  if (pipe(go) < 0) {
    std::perror("pipe");
    return false;
  }
  std::fflush(stdout);  // or the child would print our buffered text again
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return false;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(go[1]);
    char byte;
    if (read(go[0], &byte, 1) != 1) _exit(1);  // no byte: the parent gave up
    _exit(body());
  }
  close(go[0]);
  bool added = cgroup.add(pid);
  if (added && write(go[1], "g", 1) != 1) added = false;
  close(go[1]);
  if (!added) kill(pid, SIGKILL);
  while (wait4(pid, &status, 0, usage) < 0) {
  }
  return added;
}

}  // namespace lesson
