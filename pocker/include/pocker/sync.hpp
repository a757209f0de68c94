/// @file
/// @brief The parent/child sync channel used while a container starts.
///
/// A SOCK_SEQPACKET socketpair: each send is one message, and the end of
/// the stream is visible as EOF. Both ends are close-on-exec, which is the
/// trick that makes exec success observable:
///
///     parent (pocker)                         child (future container)
///     ---------------                         ------------------------
///     spawn() ------------------------------>  starts, waits for kGo
///     writes uid/gid maps, cgroup, ...
///     send(kGo) ---------------------------->  sets up root, mounts, ...
///                                              execve()
///                       success: the child's end closes on exec
///     recv() == EOF  <-----------------------
///                       failure:
///     recv() == kError{stage, errno, text} <-  send(kError), _exit(1)
///
/// The parent therefore knows, before it waits, whether the command ran;
/// an exec failure comes back with its errno, which pocker turns into 126
/// or 127 like a shell does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker {

/// Which step of the child's setup a message is about.
enum class SyncStage : uint32_t {
  kSetup = 1,  ///< preparing the container (mounts, root, ...)
  kExec = 2,   ///< the final execve of the command
};

/// One message on the channel.
struct SyncMessage {
  /// kTerminal carries the pty master (SCM_RIGHTS) from child to parent.
  enum class Type : uint32_t { kGo = 1, kReady = 2, kError = 3, kTerminal = 4 };
  Type type = Type::kGo;
  SyncStage stage = SyncStage::kSetup;
  int32_t err = 0;      ///< errno of the failure
  char text[248] = {};  ///< what failed, NUL-terminated
};

/// One end of the channel.
class SyncEnd {
 public:
  SyncEnd() = default;
  explicit SyncEnd(Fd fd) : fd_(std::move(fd)) {}

  Result<void> send(const SyncMessage& message) const;
  /// Sends a message with a file descriptor attached (SCM_RIGHTS): the
  /// receiver gets its own descriptor for the same open file.
  Result<void> send_fd(const SyncMessage& message, int fd) const;
  /// Sends an error message built from an Error.
  void send_error(SyncStage stage, const Error& error) const;
  /// Receives one message; std::nullopt means the other end closed (EOF).
  /// A descriptor sent with send_fd() lands in `*fd` when `fd` is given
  /// (and is closed otherwise).
  Result<std::optional<SyncMessage>> recv(Fd* fd = nullptr) const;
  /// Receives and insists on a message of type `type`.
  Result<void> expect(SyncMessage::Type type) const;
  void close() { fd_.reset(); }
  int fd() const { return fd_.get(); }

 private:
  Fd fd_;
};

/// A connected pair: `parent` stays in pocker, `child` goes to the container.
struct SyncPair {
  SyncEnd parent;
  SyncEnd child;
};
Result<SyncPair> make_sync_pair();

}  // namespace pocker
