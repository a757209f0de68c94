/// @file
/// @brief `--rm` containers whose pocker died: found and removed by the next pocker command.
///
/// A `--rm` container is removed by the process that looks after it: `pocker
/// run --rm` itself, or the monitor of `run -d --rm`. Killed by SIGKILL, that
/// process removes nothing. Its container dies with it (PR_SET_PDEATHSIG), but
/// the container's directory, name and cgroup stay, and `ps -a` would show it
/// as `Dead` for good.
///
/// So while it lives, that process holds a flock(2) on `<root>/autoremove/<id>`.
/// The kernel drops the lock when the last process holding it ends, however it
/// ends. A later pocker command that finds such a file unlocked knows the
/// container's pocker is gone; once the container's cgroup has no live process
/// either, it removes the container. The lock is taken before the container
/// has a name or a directory, so a container that another pocker is making
/// right now is never mistaken for a dead one: its file is locked.
#pragma once

#include <string>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/state.hpp"

namespace pocker {

/// The lock that says "a live pocker looks after this `--rm` container".
/// Forked children (the monitor of `run -d`) share it; it is closed on exec,
/// so no container process ever holds it.
class AutoRemoveLock {
 public:
  AutoRemoveLock() = default;
  /// Holds the lock on `fd`, the open file `path`.
  AutoRemoveLock(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  /// Gives the container up before it was made (its name was taken, say):
  /// removes the file and lets the lock go.
  void drop();

 private:
  Fd fd_;
  std::string path_;
};

/// Makes `<root>/autoremove/<id>` and locks it. Call it before the
/// container's name is reserved. StateStore::remove() deletes the file with
/// the container.
Result<AutoRemoveLock> lock_autoremove(const StateStore& store, const std::string& id);

/// Removes every `--rm` container whose pocker is gone (its file is not
/// locked) and whose cgroup holds no live process (a zombie has ended: it
/// only waits to be reaped). One whose processes still run stays until a
/// later command. Also deletes the `.removing-<id>` directories a pocker
/// killed in the middle of a removal left behind, and frees the bridge
/// network's leases whose pocker is gone (the lease file is no longer
/// flock(2)ed by it) and whose container has no live process left: those
/// of any --root, as the bridge is the host's. Failures are traced,
/// never returned: no command fails because of a container it did not
/// name. Cheap when there is nothing to do: three directories listed, and
/// one open and flock(2) per `--rm` container and per lease.
void collect_orphans(StateStore& store);

/// Whether container `id` (of any store) still has a live process, by its
/// cgroup; true when that cannot be told, so nothing in use is freed.
bool container_has_processes(const std::string& id);

}  // namespace pocker
