/// @file
/// @brief `pocker cp`: copy files between the host and a container.
///
/// Files travel as a tar stream through a pipe. The container's side of the
/// copy runs in a child process that has *entered* the container's root
/// (setns into its mount namespace when it runs; its overlay mounted in a
/// private mount namespace and chroot when it is stopped), so every path
/// and every symlink inside is resolved against the container's root, never
/// the host's: a link planted inside pointing to /etc leads to the
/// container's /etc.
#pragma once

#include <string>

#include "pocker/error.hpp"
#include "pocker/state.hpp"

namespace pocker {

/// Copies host path `source` to `target` inside the container. If `target`
/// is an existing directory, the copy lands inside it, as with cp(1).
Result<void> copy_into_container(StateStore& store, const std::string& id,
                                 const std::string& source, const std::string& target);

/// Copies `source` inside the container to host path `target`.
Result<void> copy_from_container(StateStore& store, const std::string& id,
                                 const std::string& source, const std::string& target);

}  // namespace pocker
