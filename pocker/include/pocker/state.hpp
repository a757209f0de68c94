/// @file
/// @brief The container state store: one directory per container under `<root>/containers`.
///
/// Each container directory holds `config.json` (its ContainerSpec),
/// `state.json` (status, pids, exit code; written when the container first
/// starts, and read as `created` until then), `container.log` (the output of
/// a detached container) and the overlay's `upper`, `work` and `rootfs`
/// directories (not with --rm: those are on a tmpfs of the container's own,
/// see RootPlan::scratch). Names are files under `<root>/names`, created with O_EXCL so
/// two pockers can never take the same name. Every write goes through a
/// temporary file and rename(2), so a reader never sees half a file, and
/// flock(2) on the container's directory orders the writers. `op.lock`
/// orders whole operations (start, stop, rm...): pocker/op_lock.hpp.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/runtime.hpp"
#include "pocker/spec.hpp"

namespace pocker {

/// What `ps` and `inspect` show about a container.
struct ContainerState {
  std::string id;    ///< the 64-hex container id
  std::string name;  ///< its name (--name, or a generated one)
  /// created, running, exited, or dead (its monitor vanished, so the exit
  /// status is unknown).
  std::string status = "created";
  pid_t pid = 0;          ///< the container's first process (host pid), while running
  pid_t monitor = 0;      ///< the pocker process that waits for it
  uint64_t monitor_start = 0;  ///< its start time (proc(5) field 22), against pid reuse
  int exit_code = 0;      ///< once exited: the status `run` and `wait` give (128+N for signal N)
  bool oom_killed = false;  ///< once exited: the OOM killer ended it (the cgroup's counter says so)
  std::string cgroup;     ///< relative cgroup path, e.g. `/pocker/<id>`
  ContainerAddress address;  ///< while running on the bridge: its address (`inspect`'s NetworkSettings)
  /// @{
  /// When it was created, last started and last ended: RFC 3339, UTC;
  /// empty until it happened.
  std::string created_at, started_at, finished_at;
  /// @}
};

/// The start time of `pid` in clock ticks since boot, or 0 if it is gone.
uint64_t process_start_time(pid_t pid);

/// True if `pid` is alive and is the process that had `start_time`.
bool process_is(pid_t pid, uint64_t start_time);

/// Now, as `2026-01-02T03:04:05.123456789Z`.
std::string now_rfc3339();

/// A held flock(2); released when destroyed.
class StateLock {
 public:
  StateLock() = default;
  /// Holds the lock taken on `fd` until this object is destroyed.
  explicit StateLock(Fd fd) : fd_(std::move(fd)) {}

 private:
  Fd fd_;
};

/// The containers under one --root.
class StateStore {
 public:
  /// The store under `root` (the --root directory); nothing is made until
  /// a container is created.
  explicit StateStore(std::string root);

  /// The --root directory.
  const std::string& root() const { return root_; }
  /// The container's directory, `<root>/containers/<id>`.
  std::string dir(const std::string& id) const { return root_ + "/containers/" + id; }
  /// Where a detached container's stdout and stderr go (`pocker logs`).
  std::string log_path(const std::string& id) const { return dir(id) + "/container.log"; }
  /// The file a live pocker holds locked while it looks after the `--rm`
  /// container `id`, `<root>/autoremove/<id>` (see pocker/collect.hpp).
  std::string autoremove_path(const std::string& id) const { return root_ + "/autoremove/" + id; }

  /// Reserves `name` for `id`; fails if another container has it.
  Result<void> reserve_name(const std::string& name, const std::string& id);
  /// Frees `name` again (a failed start, or `rm`); no error if it is free.
  void release_name(const std::string& name);

  /// Makes the container's directory and writes its config; load() reports
  /// it `created` until the first save().
  Result<void> create(const ContainerSpec& spec);
  /// Removes the container's directory and name, and last its
  /// autoremove_path(). The caller makes sure it is not running. The
  /// directory is renamed to `.removing-<id>` first, so that no path leads
  /// into it while it is deleted.
  Result<void> remove(const std::string& id);
  /// The same, for a caller that knows the name (no config.json to read).
  Result<void> remove(const std::string& id, const std::string& name);

  /// When the container was made (the time config.json was written).
  Result<std::string> created_at(const std::string& id) const;
  /// Reads the container's config.json back into its spec.
  Result<ContainerSpec> load_spec(const std::string& id) const;
  /// Loads the state and corrects it: a container recorded as running whose
  /// monitor is gone is reported `dead`, never as running.
  Result<ContainerState> load(const std::string& id) const;
  /// Writes state.json atomically (temporary file and rename). Callers that
  /// read, change and save hold lock() around the three.
  Result<void> save(const ContainerState& state);

  /// Takes the container's lock (blocking): flock(2) on the container's
  /// directory itself, so there is no lock file to make and delete.
  Result<StateLock> lock(const std::string& id) const;

  /// Every container id, oldest first.
  std::vector<std::string> list() const;
  /// A name, a full id or a unique id prefix → the id.
  Result<std::string> resolve(const std::string& ref) const;
  /// The name reserved for `id`, found by reading the names directory
  /// (for a container whose own files cannot be read); empty if none.
  std::string name_of(const std::string& id) const;

 private:
  std::string root_;
  Result<ContainerState> created_state(const std::string& id) const;
};

/// A docker-like name, e.g. `brave_turing`, for a container without --name.
std::string generate_name(const std::string& id);

/// JSON for the state directory (also used by `inspect`).
std::string spec_to_json(const ContainerSpec& spec);
/// The inverse of spec_to_json(); fails on text that is not such JSON.
Result<ContainerSpec> spec_from_json(const std::string& text);

}  // namespace pocker
