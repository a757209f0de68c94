// Internal to the image module: temporary directories that a live pocker
// holds locked, so that another pocker can tell its own work in progress
// (an unpack, a load) from what a killed one left behind.
#pragma once

#include <string>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker {

/// A temporary directory and the flock that says it is in use.
struct LockedTempDir {
  std::string path;  ///< e.g. `<layers>/.unpack-Ab12Cd`
  Fd lock;           ///< the directory, flocked; closing it frees the directory for removal
};

/// mkdtemp(`prefix` + XXXXXX), then an exclusive flock on it. A directory
/// that remove_stale_temp_dirs() took away between the two is noticed (its
/// link count is 0) and another is made.
Result<LockedTempDir> make_locked_temp_dir(const std::string& prefix);

/// Removes every directory in `dir` whose name starts with `prefix` and
/// that no live pocker holds locked (see make_locked_temp_dir()): what a
/// pocker killed halfway left. Safe while other pockers work: each is
/// removed under its own lock. Returns how many; a missing `dir` has none.
Result<int> remove_stale_temp_dirs(const std::string& dir, const std::string& prefix);

}  // namespace pocker
