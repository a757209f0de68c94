// Internal to the image module: the file operations the OCI layout is made
// of (src/image/layout.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker {

/// Waits for the layout's lock (flock on the directory `dir`); held until
/// the returned descriptor is closed.
Result<Fd> lock_layout(const std::string& dir);

/// Replaces `path` with `data` so that a crash leaves the old or the new
/// text: a temporary file beside it, fsync, rename, fsync of the directory.
Result<void> write_file_durable(const std::string& path, std::string_view data);

/// fsync of a directory: makes the names made or renamed in it durable.
Result<void> sync_dir(const std::string& dir);

/// The names in `dir`, without `.` and `..`.
Result<std::vector<std::string>> list_names(const std::string& dir);

/// Reads `path` whole, refusing a file over `max` bytes before it is read
/// into memory.
Result<std::string> read_small_file(const std::string& path, size_t max);

}  // namespace pocker
