/// @file
/// @brief Entering the container's root filesystem (child side).
#pragma once

#include <string>

#include "pocker/error.hpp"

namespace pocker {

/// lv0: chroot(2) into `rootfs` and chdir("/").
///
/// chroot changes only how *this* process resolves `/`; a process that is
/// root inside can chroot again and climb out with `..` (the lv1 lesson
/// shows it). pivot_root in a mount namespace is the real fix.
Result<void> enter_root_chroot(const std::string& rootfs);

/// Changes into `cwd` inside the new root, creating it if missing (as
/// docker does for -w).
Result<void> enter_workdir(const std::string& cwd);

}  // namespace pocker
