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
  /// What a message means. kGo: parent to child, the ids and the cgroup
  /// are in place, set up and exec. kError: child to parent, a step failed
  /// (see `stage`, `err`, `text`). kTerminal carries the pty master
  /// (SCM_RIGHTS) from child to parent. kReady is reserved, not sent yet.
  enum class Type : uint32_t { kGo = 1, kReady = 2, kError = 3, kTerminal = 4 };
  Type type = Type::kGo;                ///< what this message means
  SyncStage stage = SyncStage::kSetup;  ///< with kError: the step that failed
  int32_t err = 0;      ///< errno of the failure
  char text[248] = {};  ///< what failed, NUL-terminated
};

/// One end of the channel.
class SyncEnd {
 public:
  SyncEnd() = default;
  /// Takes ownership of one end of the socketpair.
  explicit SyncEnd(Fd fd) : fd_(std::move(fd)) {}

  /// Sends one message (one datagram), retrying on EINTR. A peer that has
  /// gone gives an EPIPE error, never a SIGPIPE that would kill pocker.
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
  /// Closes this end now. Each process closes the end it does not use
  /// right after spawn(): only then does the child's exec (close-on-exec)
  /// leave no open copy, so the parent sees EOF.
  void close() { fd_.reset(); }
  /// The raw descriptor, still owned by this end; -1 once closed.
  int fd() const { return fd_.get(); }

 private:
  Fd fd_;
};

/// A connected pair: `parent` stays in pocker, `child` goes to the container.
struct SyncPair {
  SyncEnd parent;  ///< kept by pocker; the child closes its copy
  SyncEnd child;   ///< used by the child; the parent closes its copy after spawn()
};
/// Child side, first thing after clone (once the child has closed its copy
/// of pocker's end): asks the kernel for SIGKILL when pocker dies
/// (PR_SET_PDEATHSIG), so that a container never outlives a killed pocker.
/// pocker may have died before that request took effect, possibly after it
/// sent kGo; its end of `sync` has then hung up, and the child exits at once
/// with kExitPockerFailed. (getppid() cannot tell: in a new PID namespace it
/// is 0 whatever happened to the parent.)
void die_with_parent(const SyncEnd& sync);

/// Makes the channel: socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC).
/// SEQPACKET keeps message boundaries; CLOEXEC turns a successful exec
/// into EOF for the parent. Call it before spawn(), so both processes
/// have both ends.
Result<SyncPair> make_sync_pair();

}  // namespace pocker
