// Internal to src/ns: one traced mount(2) call and its read-only variant.
#pragma once

#include <string>

#include "pocker/error.hpp"

namespace pocker {

/// mount(2), with a --trace line and an error naming source and target.
Result<void> mount_fs(const std::string& source, const std::string& target, const char* fstype,
                      unsigned long flags, const std::string& data);

/// Bind-mounts `source` on `target` and makes that mount read-only.
/// A bind mount ignores MS_RDONLY at first; it takes a second, remount call.
Result<void> bind_read_only(const std::string& source, const std::string& target);

/// Makes the mount at `target` read-only, keeping its locked flags.
Result<void> remount_read_only(const std::string& target);

// Hides `path` (if it exists): /dev/null bound over a file, an empty
// read-only tmpfs over a directory.
Result<void> mask(const std::string& path);

}  // namespace pocker
