/// @file
/// @brief One operation at a time per container: the operation lock.
///
/// `start`, `stop`, `kill`, `rm`, `restart`, the set-up of `exec` and `cp`
/// each hold it from the moment they read the container's state until the
/// state they cause is written. Two of them on the same container then run
/// one after the other: the second reads what the first left, and never
/// cleans up what the first made.
///
/// It is flock(2) on `<dir>/op.lock`, apart from StateStore::lock() (flock
/// on the directory), which is only held around one state write: a `start`
/// holds the operation lock while the container's monitor takes the state
/// lock to write `running`. A second flock on a new open file description
/// waits even in the same process, so one lock could not serve both.
#pragma once

#include <string>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/state.hpp"

namespace pocker {

/// A held operation lock; released when destroyed or by release().
/// The descriptor is O_CLOEXEC: a process that execs (the container's
/// command, an exec'd command) drops its copy, so only pocker holds it.
class OpLock {
 public:
  OpLock() = default;

  /// Waits for the operation lock of container `id`. Fails with "no such
  /// container" when the container is gone, or went while we waited (an
  /// `rm` held the lock).
  static Result<OpLock> take(const StateStore& store, const std::string& id);

  /// Lets the next operation in now. A forked process shares the lock:
  /// it is free once every copy is released or closed.
  void release() { fd_.reset(); }

 private:
  explicit OpLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace pocker
