/// @file
/// @brief lv2 made visible: pause, unpause, stats and top, through a
/// running container's cgroup.
///
/// Everything here reads or writes the cgroup the container already has:
/// the freezer (v1 `freezer.state`, v2 `cgroup.freeze`) stops every process
/// inside at once, without a signal it could see or handle; the counters
/// (CPU time, memory, pids) are what the kernel charges to the cgroup; and
/// `cgroup.procs` lists its processes, wherever they came from (run, exec).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "pocker/cgroup.hpp"
#include "pocker/state.hpp"

namespace pocker {

/// Freezes every process of a running container (`pocker pause`), under
/// its operation lock. Fails when it is not running or already paused.
Result<void> pause_container(StateStore& store, const std::string& id);

/// Thaws a paused container (`pocker unpause`). Fails when it is not paused.
Result<void> unpause_container(StateStore& store, const std::string& id);

/// Changes a container's limits (`pocker update`): the ones set in
/// `changes` replace its own, the whole set is validated as `run` does,
/// written to its cgroup when it runs, and kept in config.json for its
/// next start. Returns warnings, as Cgroup::apply() does. A limit whose
/// controller the container's cgroup lacks (pocker gives a container only
/// the controllers its limits need) fails with a message naming it.
Result<std::vector<std::string>> update_container(StateStore& store, const std::string& id,
                                                  const Resources& changes);

/// Whether the container's cgroup is frozen now; false when it has none.
bool container_paused(const std::string& id);

/// Thaws the container if it is paused, so that a signal just sent (stop,
/// kill, rm -f) is acted on: a frozen process runs no handler, and on
/// cgroup v1 does not even die of SIGKILL until thawed.
void thaw_after_signal(const std::string& id);

/// The counters of a running container's cgroup.
Result<CgroupStats> container_usage(const StateStore& store, const std::string& id);

/// One process of a container: its host pid, its pid inside the
/// container's PID namespace, its user and its command line.
struct ContainerProcess {
  pid_t pid = 0;           ///< as the host sees it
  pid_t container_pid = 0; ///< inside the container (0 if unknown)
  uid_t uid = 0;           ///< real user id, as the host sees it
  std::string command;     ///< the command line, or [name] for a kernel-made one
};

/// The processes of a running container (`pocker top`), from its cgroup,
/// sorted by host pid.
Result<std::vector<ContainerProcess>> container_processes(const StateStore& store,
                                                          const std::string& id);

}  // namespace pocker
