// The CVE-2019-5736 class: while `pocker exec` enters the container, the
// entering process is briefly visible in the container's /proc with the
// host's pocker binary as its exe. If the container can open /proc/N/exe of
// that process, it holds the runtime's binary; opened for writing, it could
// replace it. The runtime must mark that process non-dumpable (so the open
// needs CAP_SYS_PTRACE) and never be writable while it runs (ETXTBSY).
// We only open, never write. See escape.h for the output contract.
#include "escape.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <set>

namespace probe::escape {

namespace {

// The target of /proc/<what>/exe, or of /proc/self/fd/N when what is "self/fd/N".
std::string exe_link(const std::string& what) {
  char target[PATH_MAX] = {};
  const std::string path = "/proc/" + what + (what.starts_with("self/fd/") ? "" : "/exe");
  const ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
  return n < 0 ? std::string("?") : std::string(target, static_cast<std::size_t>(n));
}

// Whether the open file is the file its link names inside our root. A
// binary outside our root (the host's pocker) shows a path that either does
// not exist here or names another file.
bool outside_root(int fd, const std::string& link) {
  struct stat opened {}, named {};
  if (fstat(fd, &opened) != 0 || stat(link.c_str(), &named) != 0) return true;
  return opened.st_dev != named.st_dev || opened.st_ino != named.st_ino;
}

json seen_process(const std::string& pid, const std::string& link) {
  return {{"pid", std::stoll(pid)}, {"exe", link}, {"comm", trim(read_file("/proc/" + pid + "/comm").value_or("?"))}};
}

}  // namespace

Outcome proc_exe_watch(const Args& args) {
  double seconds = 0;
  if (!parse_seconds(args[0], seconds)) usage_error("bad number of seconds '" + args[0] + "'");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  const std::string self = std::to_string(getpid());

  json writes = json::array(), foreign_reads = json::array();
  std::set<std::string> pids_seen, write_errnos, reported;  // reported: one entry per pid
  long own_reads = 0, scans = 0;
  // Busy on purpose: the window between the exec'ing process joining our
  // namespaces and its execve is short.
  while (std::chrono::steady_clock::now() < deadline) {
    ++scans;
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return failure("opendir /proc", errno);
    for (dirent* entry = readdir(proc); entry != nullptr; entry = readdir(proc)) {
      long long number = 0;
      const std::string pid = entry->d_name;
      if (!parse_int(pid, number) || pid == self) continue;
      pids_seen.insert(pid);
      const std::string exe = "/proc/" + pid + "/exe";
      // O_WRONLY without O_TRUNC changes nothing; close at once.
      int fd = open(exe.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        if (reported.insert("w" + pid).second) writes.push_back(seen_process(pid, exe_link(pid)));
        close(fd);
      } else {
        write_errnos.insert(errno_name(errno));
      }
      fd = open(exe.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      // The opened file's own name, not /proc/N/exe's: the process may be
      // gone by now, and its link with it.
      const std::string link = exe_link("self/fd/" + std::to_string(fd));
      if (outside_root(fd, link)) {
        if (reported.insert("r" + pid).second) foreign_reads.push_back(seen_process(pid, link));
      } else {
        ++own_reads;
      }
      close(fd);
    }
    closedir(proc);
  }
  const bool got_out = !writes.empty() || !foreign_reads.empty();
  Outcome result = got_out ? success("opened an exe from outside the container")
                           : Outcome{false, 0, "no exe from outside the container could be opened"};
  result.extra = {{"writes", writes},
                  {"foreign_reads", foreign_reads},
                  {"write_errnos", write_errnos},
                  {"own_reads", own_reads},
                  {"pids_seen", pids_seen.size()},
                  {"scans", scans}};
  return result;
}

}  // namespace probe::escape
