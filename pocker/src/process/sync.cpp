#include "pocker/sync.hpp"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace pocker {

Result<SyncPair> make_sync_pair() {
  int fds[2];
  // SEQPACKET keeps message boundaries; CLOEXEC makes exec close the child's end.
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) {
    return sys_error("socketpair");
  }
  return SyncPair{SyncEnd(Fd(fds[0])), SyncEnd(Fd(fds[1]))};
}

Result<void> SyncEnd::send(const SyncMessage& message) const { return send_fd(message, -1); }

Result<void> SyncEnd::send_fd(const SyncMessage& message, int fd) const {
  struct iovec iov = {const_cast<SyncMessage*>(&message), sizeof message};
  struct msghdr header {};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    ::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  }
  ssize_t n;
  do {
    n = ::sendmsg(fd_.get(), &header, MSG_NOSIGNAL);
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

Result<std::optional<SyncMessage>> SyncEnd::recv(Fd* fd) const {
  SyncMessage message;
  struct iovec iov = {&message, sizeof message};
  struct msghdr header {};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  header.msg_control = control;
  header.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(fd_.get(), &header, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("sync recv");
  for (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&header); cmsg; cmsg = CMSG_NXTHDR(&header, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    int received;
    ::memcpy(&received, CMSG_DATA(cmsg), sizeof received);
    Fd owned(received);
    if (fd) *fd = std::move(owned);
  }
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

void die_with_parent(const SyncEnd& sync) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // From here on the kernel kills us when pocker dies. Before, it could
  // not: a hung-up channel is the sign that pocker is already gone.
  struct pollfd peer {sync.fd(), POLLRDHUP, 0};
  // 125, pocker's own failure status; nobody is left to read it anyway.
  if (::poll(&peer, 1, 0) == 1 && (peer.revents & (POLLHUP | POLLRDHUP))) ::_exit(125);
}

}  // namespace pocker
