/// @file
/// @brief Lifecycle: the output of a container without -t, through pocker.
///
/// When pocker's stdout (or stderr) is a pipe or a socket, its reader may
/// go away while the container runs: `pocker run busybox sh -c '…' | head -1`.
/// A container that wrote there itself would be killed by SIGPIPE on its
/// next write. So for such a stream the container gets a pipe of its own,
/// and pocker copies from it: when pocker's side is closed, pocker drops
/// the rest, and the container runs on to its own end and status.
/// Files, terminals and /dev/null are handed over as they are: they do
/// not lose their reader, and the copy would only cost time.
#pragma once

#include <sys/types.h>

#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker {

/// One relayed stream: a pipe into which the container's `fds` write
/// (1, 2, or both when pocker's stdout and stderr are the same pipe, so
/// that their order is kept), copied by pocker to its own `target`.
struct OutputPipe {
  int target = -1;       ///< pocker's descriptor: STDOUT_FILENO or STDERR_FILENO
  std::vector<int> fds;  ///< the container's descriptors that write into the pipe
  Fd read;               ///< pocker's end
  Fd write;              ///< the container's end (closed in pocker once it started)
};

/// The streams of one container. Empty when nothing needs relaying.
struct OutputPipes {
  std::vector<OutputPipe> pipes;  ///< one per stream, or one for both when stdout and stderr are the same
};

/// Parent, before the child is made: a pipe for each of pocker's stdout
/// and stderr that is a pipe or a socket.
Result<OutputPipes> make_output_pipes();

/// Child, before exec: makes the pipes its stdout and stderr.
Result<void> use_output_pipes(const OutputPipes& pipes);

/// Parent, once the child is made: closes the container's ends, so that
/// the pipes reach end-of-file when the container's processes are gone.
void close_container_ends(OutputPipes& pipes);

/// Parent: copies the pipes to pocker's stdout and stderr until they end,
/// or until process `child` has exited and what it left in them is read
/// (a process outside the container's PID namespace may keep a pipe open
/// for good). A closed stdout or stderr is not an error: its data is read
/// and dropped.
Result<void> relay_output(OutputPipes& pipes, pid_t child);

}  // namespace pocker
