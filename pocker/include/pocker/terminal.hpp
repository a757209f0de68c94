/// @file
/// @brief -t: a pseudo-terminal for the container.
///
/// The child opens /dev/ptmx *inside* the container, from its own devpts
/// instance, so the pty belongs to the container, and hands the master side
/// to pocker over the sync socket (SCM_RIGHTS), as OCI runtimes do with
/// their console socket. pocker then copies bytes between its own terminal
/// and the master, in raw mode, and passes window size changes on.
#pragma once

#include <termios.h>

#include <optional>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker {

/// Child side: open a pty, make its slave the controlling terminal and
/// stdin/stdout/stderr of this process (in a new session), and return
/// the master to be sent to the parent.
Result<Fd> open_console();

/// Puts a terminal in raw mode and restores it when destroyed, so pocker
/// never leaves the user's shell without echo, also on errors.
class RawMode {
 public:
  /// Saves `fd`'s settings and makes it raw (cfmakeraw(3)); does nothing
  /// when `fd` is not a terminal, so it is safe with a pipe as stdin.
  explicit RawMode(int fd);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int fd_;
  std::optional<struct termios> saved_;
};

/// Copies the window size of terminal `from` to the pty `master`.
void copy_window_size(int from, int master);

/// Parent side: relay stdin to `master` (when `forward_input`) and
/// `master` to stdout until the container closes its side.
Result<void> relay_console(const Fd& master, bool forward_input);

}  // namespace pocker
