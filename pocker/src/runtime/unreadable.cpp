#include "unreadable.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <utility>
#include <vector>

#include "container_cgroup.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// Every process (but us) whose stdout is `path`, with its start time
// against pid reuse. A detached monitor dup2()s the container's log onto
// its stdout, and the container's processes inherit it: the log names them
// when state.json, which holds their pids, cannot be read.
std::vector<std::pair<pid_t, uint64_t>> writers_of(const std::string& path) {
  std::vector<std::pair<pid_t, uint64_t>> found;
  DIR* proc = ::opendir("/proc");
  if (!proc) return found;
  while (struct dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0' || pid == ::getpid()) continue;
    char target[4096];
    std::string link = fmt::format("/proc/{}/fd/1", pid);
    ssize_t n = ::readlink(link.c_str(), target, sizeof target);  // EACCES: not ours, not it
    if (n <= 0 || path.compare(0, std::string::npos, target, static_cast<size_t>(n)) != 0) continue;
    found.emplace_back(static_cast<pid_t>(pid), process_start_time(static_cast<pid_t>(pid)));
  }
  ::closedir(proc);
  return found;
}

}  // namespace

std::string unreadable_reason(const StateStore& store, const std::string& id, const Error& error) {
  std::string text = error.message();
  std::string dir = store.dir(id) + "/";
  for (size_t at; (at = text.find(dir)) != std::string::npos;) text.erase(at, dir.size());
  return text;
}

Result<void> remove_unreadable(StateStore& store, const std::string& id, const Error& why) {
  auto writers = writers_of(store.log_path(id));
  for (const auto& [pid, start] : writers) {
    if (process_is(pid, start) && ::kill(pid, SIGKILL) == 0) trace("kill({}, SIGKILL) = ok", pid);
  }
  // Everything else of it, a foreground container's processes too.
  TRY_CTX(remove_container_cgroup(id), "remove the container's cgroup");
  // A monitor that still ran would write state.json into a directory being
  // removed; it cannot catch SIGKILL, so this wait is short.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (const auto& [pid, start] : writers) {
    while (process_is(pid, start) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  {
    auto lock = store.lock(id);
    TRY(store.remove(id));
  }
  ::dprintf(STDERR_FILENO, "pocker: warning: container %s: %s; removed it anyway\n", id.substr(0, 12).c_str(),
            unreadable_reason(store, id, why).c_str());
  return ok();
}

}  // namespace pocker
