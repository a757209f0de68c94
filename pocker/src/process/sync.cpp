#include "pocker/sync.hpp"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

namespace pocker {

Result<SyncPair> make_sync_pair() {
  int fds[2];
  // SEQPACKET keeps message boundaries; CLOEXEC makes exec close the child's end.
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) {
    return sys_error("socketpair");
  }
  return SyncPair{SyncEnd(Fd(fds[0])), SyncEnd(Fd(fds[1]))};
}

Result<void> SyncEnd::send(const SyncMessage& message) const {
  ssize_t n;
  do {
    n = ::send(fd_.get(), &message, sizeof message, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("sync send");
  return ok();
}

void SyncEnd::send_error(SyncStage stage, const Error& error) const {
  SyncMessage message;
  message.type = SyncMessage::Type::kError;
  message.stage = stage;
  message.err = error.err();
  ::strncpy(message.text, error.what().c_str(), sizeof message.text - 1);
  (void)send(message);  // nothing else to do if the parent has gone
}

Result<std::optional<SyncMessage>> SyncEnd::recv() const {
  SyncMessage message;
  ssize_t n;
  do {
    n = ::recv(fd_.get(), &message, sizeof message, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("sync recv");
  if (n == 0) return std::optional<SyncMessage>();
  if (static_cast<size_t>(n) != sizeof message) {
    return user_error("sync recv: short message of {} bytes", n);
  }
  message.text[sizeof message.text - 1] = '\0';
  return std::optional<SyncMessage>(message);
}

Result<void> SyncEnd::expect(SyncMessage::Type type) const {
  auto message = TRY(recv());
  if (!message) return user_error("sync: the other side closed the channel");
  if (message->type == SyncMessage::Type::kError) {
    return errno_error(message->err, "{}", message->text);
  }
  if (message->type != type) {
    return user_error("sync: expected message {}, got {}", static_cast<unsigned>(type),
                      static_cast<unsigned>(message->type));
  }
  return ok();
}

}  // namespace pocker
