// The rtnetlink socket: open it (here or inside another network
// namespace), send one request, read until its ACK. The operations
// themselves are in netlink_link.cpp and netlink_address.cpp.
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink_message.hpp"
#include "pocker/netlink.hpp"

namespace pocker {
namespace {

// The kernel's own explanation from an extended ACK (NETLINK_EXT_ACK),
// e.g. "Nexthop has invalid gateway" with ENETUNREACH: errno alone
// rarely says which attribute was wrong. Empty when there is none.
std::string extended_ack_text(const nlmsghdr& header, const uint8_t* payload, size_t size) {
  if (!(header.nlmsg_flags & NLM_F_ACK_TLVS)) return {};
  // With NETLINK_CAP_ACK the kernel echoes only our header, not our whole
  // request, so the attributes follow the nlmsgerr directly.
  size_t skip = sizeof(nlmsgerr);
  if (!(header.nlmsg_flags & NLM_F_CAPPED)) {
    nlmsgerr error;
    std::memcpy(&error, payload, sizeof error);
    if (error.msg.nlmsg_len < sizeof(nlmsghdr)) return {};
    skip += netlink::align4(error.msg.nlmsg_len - sizeof(nlmsghdr));
  }
  if (skip >= size) return {};
  std::string text;
  netlink::for_each_attr(payload + skip, size - skip, [&](uint16_t type, const uint8_t* data, size_t n) {
    auto chars = reinterpret_cast<const char*>(data);
    if (type == NLMSGERR_ATTR_MSG) text.assign(chars, ::strnlen(chars, n));
  });
  return text;
}

}  // namespace

Result<Netlink> Netlink::open() {
  Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) return sys_error("socket(AF_NETLINK, NETLINK_ROUTE)");
  int on = 1;
  // Both are hints: a kernel without them still answers with errno.
  (void)::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  (void)::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  return Netlink(std::move(fd));
}

Result<Netlink> Netlink::open_in(int netns_fd) {
  // A socket belongs to the namespace of the thread that made it, for its
  // whole life. setns(2) on a network namespace moves only this thread,
  // so the process never acts on the wrong namespace from another thread.
  Fd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own) return sys_error("open /proc/thread-self/ns/net");
  if (::setns(netns_fd, CLONE_NEWNET) < 0) return sys_error("setns to network namespace fd {}", netns_fd);
  auto socket = open();
  if (::setns(own.get(), CLONE_NEWNET) < 0) {
    return sys_error("setns back to our own network namespace");
  }
  return socket;
}

Result<std::vector<uint8_t>> Netlink::transact(std::vector<uint8_t> request, const std::string& what) {
  uint32_t seq = ++seq_;
  std::memcpy(request.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return sys_error("{}: send netlink request", what);
  }
  std::vector<uint8_t> reply;
  std::vector<uint8_t> buffer(32 * 1024);
  for (;;) {
    // MSG_TRUNC: the datagram's real length, so a reply too big for the
    // buffer is an error instead of a silently cut one.
    ssize_t got = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_TRUNC);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return sys_error("{}: read netlink reply", what);
    if (static_cast<size_t>(got) > buffer.size()) {
      return errno_error(EMSGSIZE, "{}: netlink reply of {} bytes", what, got);
    }
    size_t size = static_cast<size_t>(got), at = 0;
    while (at + sizeof(nlmsghdr) <= size) {
      nlmsghdr header;
      std::memcpy(&header, buffer.data() + at, sizeof header);
      if (header.nlmsg_len < sizeof(nlmsghdr) || at + header.nlmsg_len > size) {
        return errno_error(EBADMSG, "{}: malformed netlink reply", what);
      }
      const uint8_t* payload = buffer.data() + at + sizeof(nlmsghdr);
      size_t payload_size = header.nlmsg_len - sizeof(nlmsghdr);
      at += netlink::align4(header.nlmsg_len);
      if (header.nlmsg_seq != seq) continue;  // a late answer to an earlier request
      if (header.nlmsg_type != NLMSG_ERROR) {
        reply.assign(payload, payload + payload_size);
        continue;
      }
      nlmsgerr error;
      if (payload_size < sizeof error) return errno_error(EBADMSG, "{}: short netlink ACK", what);
      std::memcpy(&error, payload, sizeof error);
      if (error.error == 0) return reply;  // the ACK: done
      std::string text = extended_ack_text(header, payload, payload_size);
      if (text.empty()) return errno_error(-error.error, "{}", what);
      return errno_error(-error.error, "{} (kernel: {})", what, text);
    }
  }
}

}  // namespace pocker
