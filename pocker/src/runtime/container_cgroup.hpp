// Internal to the runtime: the container's cgroup for one run.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pocker/cgroup.hpp"
#include "pocker/devices.hpp"
#include "pocker/root.hpp"
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
  /// `pocker/<id>` and writes the limits. Rootless with no limits: nothing;
  /// rootless with limits: all of it below the top of the cgroup v2
  /// subtree delegated to the caller (find_delegation()), or a one-line
  /// error naming what is missing before anything is made. As root, the
  /// device cgroup's `device_rules` follow the limits (none: no rules);
  /// rootless, they are skipped: an unprivileged user may load no device
  /// program, and its user namespace keeps the host's devices out of reach.
  Result<void> create(const std::string& id, const Resources& resources,
                      const std::vector<DeviceRule>& device_rules = {});
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
  /// The cgroup's path in the hierarchy, e.g. `/pocker/<id>`, or below the
  /// delegated top when rootless; empty when there is none. `pocker exec`
  /// joins the container through it (state.json records it).
  std::string path() const;
  /// What the container gets under /sys/fs/cgroup (RootPlan::cgroup_mounts):
  /// its cgroup on v2, each hierarchy it has a directory in on v1; nothing
  /// when it has no cgroup (rootless without limits).
  std::vector<CgroupMount> views() const;

 private:
  CgroupHost host_;  // rootless: the delegated subtree, rooted at its top
  std::string base_;  // rootless: the top's path in the hierarchy, else empty
  std::unique_ptr<Cgroup> cgroup_;
  Fd dir_;
  std::vector<TasksFile> tasks_;  // v1: for join_in_child(), until add_if_needed()
};

/// Removes the cgroup of container `id` (killing what is left inside) where
/// this pocker would have made it: `pocker/<id>` at the root, or below the
/// delegated top when rootless. Ok when there is none.
Result<void> remove_container_cgroup(const std::string& id);

/// The cgroup of container `id`, where remove_container_cgroup() would
/// look, for reading and steering it (pause, stats, top); nullptr when
/// this host gives pocker no cgroups (rootless without a delegated subtree).
Result<std::unique_ptr<Cgroup>> open_container_cgroup(const std::string& id);

/// True while a live process (not a zombie) is in the cgroup of container
/// `id`, where remove_container_cgroup() would look; false when there is
/// none, or no cgroup at all.
Result<bool> container_cgroup_busy(const std::string& id);

}  // namespace pocker
