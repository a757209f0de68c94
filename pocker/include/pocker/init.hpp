/// @file
/// @brief --init: a tiny PID 1 for the container.
///
/// In a PID namespace, PID 1 has two jobs nobody else does: it adopts and
/// must reap orphaned processes (or they stay zombies), and the kernel
/// ignores signals sent to it that it has no handler for. A shell or an
/// ordinary program as PID 1 does neither, so `docker stop` waits for its
/// timeout. With --init, pocker's own code stays as PID 1, runs the
/// command as its child, forwards signals to it and reaps every zombie.
#pragma once

#include <functional>

namespace pocker {

/// Becomes the container's init: forks, runs `start_command` in the child
/// (which execs, or returns an exit code on failure), forwards signals to
/// it, reaps all children, and exits with the command's status (128+N for
/// signal N). `after_fork` runs in the init right after the fork (to close
/// descriptors the command needs but the init must not hold).
[[noreturn]] void run_init(const std::function<int()>& start_command,
                           const std::function<void()>& after_fork);

}  // namespace pocker
