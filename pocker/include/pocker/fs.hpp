/// @file
/// @brief Small file-system helpers that report errors as Result.
#pragma once

#include <sys/types.h>

#include <string>

#include "pocker/error.hpp"

namespace pocker {

/// mkdir -p with `mode` for the directories it creates.
Result<void> make_dirs(const std::string& path, mode_t mode = 0755);
/// mkdtemp(prefix + "XXXXXX"); returns the new directory.
Result<std::string> make_temp_dir(const std::string& prefix);
/// rm -rf that never follows symlinks and refuses to cross a mount point.
Result<void> remove_tree(const std::string& path);
/// Writes all of `data` to `fd`, retrying short writes and EINTR; false
/// once the other side is gone (EPIPE) or `fd` is unusable, errno set.
bool write_all(int fd, const char* data, size_t size);
/// Reads a whole (small) file.
Result<std::string> read_file(const std::string& path);
/// Writes `data` to an existing file, as one write(2) (what cgroup and
/// /proc files need); traced when --trace is on.
Result<void> write_file(const std::string& path, const std::string& data);
/// Creates or truncates `path` with `mode` and writes `data` atomically
/// (temporary file + rename).
Result<void> write_file_atomic(const std::string& path, const std::string& data,
                               mode_t mode = 0644);

}  // namespace pocker
