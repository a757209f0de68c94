/// @file
/// @brief Forwarding signals sent to pocker on to the container.
#pragma once

#include <signal.h>
#include <sys/types.h>

namespace pocker {

/// Blocks the signals pocker forwards (SIGINT, SIGTERM, SIGHUP, SIGQUIT,
/// SIGUSR1, SIGUSR2, SIGWINCH) and restores the old mask when destroyed.
/// Block before spawning, so a signal that arrives before the child's pid is
/// known waits instead of being lost or sent to pid 0.
class ForwardedSignalsBlocked {
 public:
  ForwardedSignalsBlocked();
  ~ForwardedSignalsBlocked();
  /// Restores the old mask now instead of at destruction.
  void unblock();
  ForwardedSignalsBlocked(const ForwardedSignalsBlocked&) = delete;
  ForwardedSignalsBlocked& operator=(const ForwardedSignalsBlocked&) = delete;

 private:
  sigset_t old_;
  bool blocked_ = true;
};

/// From now on, forwarded signals that reach pocker are sent to `pid`.
void forward_signals_to(pid_t pid);

/// True once after each SIGWINCH that reached pocker: the terminal relay
/// then copies the new window size to the container's pty.
bool take_window_changed();

/// In a freshly cloned child: default dispositions for the forwarded
/// signals and an empty signal mask, so the container does not inherit
/// pocker's blocking. SIGPIPE stays ignored until exec_in_path() execs.
void reset_signals_in_child();

}  // namespace pocker
