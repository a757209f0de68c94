/// @file
/// @brief `pocker diff` and `pocker export`: a container's file system as it is now.
///
/// A container started from an image writes into the overlay's upper
/// directory only (`<container>/upper`); the image's layers stay as they
/// were. So what the container changed is exactly what that directory
/// holds, read the way overlayfs reads it:
///   - a character device 0/0 is a *whiteout*: the name was deleted (D);
///   - a directory marked opaque (`trusted.overlay.opaque` = `y`, or
///     `user.overlay.opaque` rootless) hides everything below it in the
///     layers: their names it does not hold again were deleted (D);
///   - any other name was added (A) when no layer has it, else changed (C).
///     A directory that holds a change is itself changed: overlayfs copied
///     it up to make room for the change.
#pragma once

#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/state.hpp"

namespace pocker {

/// One line of `pocker diff`: `kind` is 'A', 'C' or 'D', `path` absolute.
struct Change {
  char kind = 'C';   ///< A (added), C (changed) or D (deleted)
  std::string path;  ///< e.g. `/tmp/new-file`
};

/// The changes in `upper` over `lowers` (the image's layers, top first),
/// sorted by path as docker prints them.
Result<std::vector<Change>> layer_changes(const std::string& upper, const std::vector<std::string>& lowers);

/// The changes of container `id`. Fails for a container without an image
/// (--rootfs writes into its directory) and for a --rm container (its
/// upper directory lives in a tmpfs that only the container sees).
Result<std::vector<Change>> container_changes(const StateStore& store, const std::string& id);

/// `pocker export`: writes the container's root file system, as its
/// processes see it now but without what is mounted on it (/proc, /dev,
/// volumes), as a tar stream to `fd`.
Result<void> export_container(StateStore& store, const std::string& id, int fd);

}  // namespace pocker
