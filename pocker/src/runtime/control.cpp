// pause, unpause, stats and top (see pocker/control.hpp).
#include "pocker/control.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "container_cgroup.hpp"
#include "pocker/fs.hpp"
#include "pocker/parse.hpp"
#include "pocker/op_lock.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// The cgroup of a container that runs now; a clear error otherwise.
Result<std::unique_ptr<Cgroup>> running_cgroup(const StateStore& store, const std::string& id) {
  auto state = TRY(store.load(id));
  if (state.status != "running") return user_error("container {} is not running", id.substr(0, 12));
  auto cgroup = TRY(open_container_cgroup(id));
  if (!cgroup || state.cgroup.empty()) {
    // Rootless without limits: pocker made no cgroup (ContainerCgroup::create()).
    return user_error("container {} has no cgroup of its own (rootless, started without limits)",
                      id.substr(0, 12));
  }
  return cgroup;
}

Result<void> set_frozen(StateStore& store, const std::string& id, bool frozen) {
  auto lock = TRY(OpLock::take(store, id));
  auto cgroup = TRY(running_cgroup(store, id));
  bool now = TRY(cgroup->stats()).frozen;
  if (now == frozen) {
    return user_error("container {} is {}", id.substr(0, 12), frozen ? "already paused" : "not paused");
  }
  TRY_CTX(cgroup->freeze(frozen), frozen ? "pause" : "unpause");
  trace("container {} {}", id.substr(0, 12), frozen ? "frozen" : "thawed");
  return ok();
}

// The last "NSpid:" field of /proc/PID/status: the pid in the innermost
// PID namespace, the container's own.
pid_t inner_pid(const std::string& status) {
  std::istringstream lines(status);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("NSpid:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    long last = 0;
    for (long v; fields >> v;) last = v;
    return static_cast<pid_t>(last);
  }
  return 0;
}

std::string file_or(const std::string& path, const std::string& fallback) {
  auto text = read_file(path);
  return text ? text.value() : fallback;
}

uid_t real_uid(const std::string& status) {
  std::istringstream lines(status);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Uid:", 0) != 0) continue;
    long uid = 0;
    std::istringstream(line.substr(4)) >> uid;
    return static_cast<uid_t>(uid);
  }
  return 0;
}

// Each limit set in `changes` replaces the one in `limits`.
void overlay(Resources& limits, const Resources& changes) {
  if (changes.cpus) limits.cpus = changes.cpus;
  if (changes.cpu_shares) limits.cpu_shares = changes.cpu_shares;
  if (changes.memory) limits.memory = changes.memory;
  if (changes.memory_swap) limits.memory_swap = changes.memory_swap;
  if (changes.pids_limit) limits.pids_limit = changes.pids_limit;
  if (changes.cpuset_cpus) limits.cpuset_cpus = changes.cpuset_cpus;
}

}  // namespace

Result<std::vector<std::string>> update_container(StateStore& store, const std::string& id,
                                                  const Resources& changes) {
  if (changes.empty()) return user_error("update: no limit given (--cpus, --memory, --pids-limit, ...)");
  auto op = TRY(OpLock::take(store, id));
  auto spec = TRY(store.load_spec(id));
  Resources limits = spec.resources;
  overlay(limits, changes);
  auto online = TRY(host_online_cpus());
  TRY(validate(limits, host_cpu_count(), online));
  std::vector<std::string> warnings;
  auto state = TRY(store.load(id));
  if (state.status == "running") {
    auto cgroup = TRY(running_cgroup(store, id));
    auto applied = cgroup->apply(limits);
    if (!applied && applied.error().err() == ENOENT) {
      // Each start costs every controller switched on, so a container
      // gets only those its limits asked for at run (v1_controllers_for()).
      return user_error("update: {} (its cgroup has no such controller: it was started without "
                        "that kind of limit; give it to `run` instead)",
                        applied.error().message());
    }
    warnings = TRY_CTX(std::move(applied), "update");
  }
  spec.resources = limits;
  TRY(write_file_atomic(store.dir(id) + "/config.json", spec_to_json(spec), 0600));
  trace("update container {}: limits written to config.json", id.substr(0, 12));
  return warnings;
}

Result<void> pause_container(StateStore& store, const std::string& id) {
  return set_frozen(store, id, true);
}

Result<void> unpause_container(StateStore& store, const std::string& id) {
  return set_frozen(store, id, false);
}

bool container_paused(const std::string& id) {
  auto cgroup = open_container_cgroup(id);
  if (!cgroup || !cgroup.value()) return false;
  auto stats = cgroup.value()->stats();
  return stats && stats.value().frozen;
}

void thaw_after_signal(const std::string& id) {
  auto cgroup = open_container_cgroup(id);
  if (!cgroup || !cgroup.value()) return;
  auto stats = cgroup.value()->stats();
  if (!stats || !stats.value().frozen) return;
  auto thawed = cgroup.value()->freeze(false);
  trace("thaw the paused container {} = {}", id.substr(0, 12), thawed ? "ok" : thawed.error().message());
}

Result<CgroupStats> container_usage(const StateStore& store, const std::string& id) {
  auto cgroup = TRY(running_cgroup(store, id));
  return cgroup->stats();
}

Result<std::vector<ContainerProcess>> container_processes(const StateStore& store,
                                                          const std::string& id) {
  auto cgroup = TRY(running_cgroup(store, id));
  // On v1 each hierarchy lists the same processes: gather each once.
  std::set<pid_t> pids;
  for (const auto& dir : cgroup->dirs()) {
    auto listed = cgroupfs::read_pids(dir + "/cgroup.procs");
    if (!listed && listed.error().err() == ENOENT) continue;  // no directory in this hierarchy
    if (!listed) return std::move(listed).error();
    pids.insert(listed.value().begin(), listed.value().end());
  }
  std::vector<ContainerProcess> found;
  for (pid_t pid : pids) {
    std::string proc = "/proc/" + std::to_string(pid);
    auto status = read_file(proc + "/status");
    if (!status) continue;  // ended since the list was read
    ContainerProcess p;
    p.pid = pid;
    p.container_pid = inner_pid(status.value());
    p.uid = real_uid(status.value());
    std::string cmdline = file_or(proc + "/cmdline", "");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    while (!cmdline.empty() && cmdline.back() == ' ') cmdline.pop_back();
    if (cmdline.empty()) cmdline = "[" + file_or(proc + "/comm", "?") + "]";
    while (!cmdline.empty() && cmdline.back() == '\n') cmdline.pop_back();
    p.command = cmdline;
    found.push_back(std::move(p));
  }
  return found;
}

}  // namespace pocker
