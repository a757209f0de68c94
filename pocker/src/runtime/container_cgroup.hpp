// Internal to the runtime: the container's cgroup for one run.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pocker/cgroup.hpp"
#include "pocker/fd.hpp"
#include "pocker/sync.hpp"

namespace pocker {

/// Owns the container's cgroup and destroys it (killing what is left
/// inside) when it goes out of scope, so a failed start or an early return
/// never leaves a cgroup behind.
class ContainerCgroup {
 public:
  ContainerCgroup() = default;
  ~ContainerCgroup();
  ContainerCgroup(const ContainerCgroup&) = delete;
  ContainerCgroup& operator=(const ContainerCgroup&) = delete;

  /// Detects the layout, removes stale cgroups of killed pockers, makes
  /// `pocker/<id>` and writes the limits. Rootless with no limits: nothing.
  Result<void> create(const std::string& id, const Resources& resources);
  /// cgroup v2: a directory fd for clone3(CLONE_INTO_CGROUP), else -1.
  int clone_fd();
  /// Child side, first thing after clone: on cgroup v1 the child moves
  /// itself into every hierarchy through the `tasks` files create() opened
  /// (Cgroup::open_tasks(): no system-wide lock, unlike a pid written by
  /// the parent). On failure it waits for kGo, reports the error over
  /// `sync` like any setup step, and exits.
  void join_in_child(const SyncEnd& sync);
  /// Parent side, right after clone: moves the child in by pid when
  /// neither clone3 nor the child itself does it, and closes the `tasks`
  /// files, which only the child needed.
  Result<void> add_if_needed(pid_t pid);
  /// How many processes the OOM killer ended in this cgroup, if known.
  std::optional<uint64_t> oom_kills() const;
  std::string path() const;

 private:
  CgroupHost host_;
  std::unique_ptr<Cgroup> cgroup_;
  Fd dir_;
  std::vector<TasksFile> tasks_;  // v1: for join_in_child(), until add_if_needed()
};

}  // namespace pocker
