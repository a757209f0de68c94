// The bytes of an rtnetlink message, built and read by hand: what `ip`
// and libnl hide is the lesson here (rtnetlink(7), netlink(7)).
//
// A request is one nlmsghdr, then a fixed "family header" (ifinfomsg for
// links, ifaddrmsg for addresses, rtmsg for routes), then attributes: each
// a 4-byte rtattr {len, type} and its payload, padded to 4 bytes. A nested
// attribute is an rtattr whose payload is more attributes; its length is
// known only when the last inner one is written, so end_nested() patches it.
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace pocker::netlink {

// NLMSG_ALIGN and RTA_ALIGN without their C casts.
constexpr size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

class Request {
 public:
  // A request of `type` (RTM_NEWLINK...) with `flags` besides NLM_F_REQUEST
  // and NLM_F_ACK, which every request here has: the ACK carries the errno.
  Request(uint16_t type, uint16_t flags) : bytes_(sizeof(nlmsghdr)) {
    nlmsghdr header{};
    header.nlmsg_len = sizeof(nlmsghdr);
    header.nlmsg_type = type;
    header.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    std::memcpy(bytes_.data(), &header, sizeof header);
  }

  // Appends the family header (ifinfomsg, ifaddrmsg, rtmsg) or any fixed struct.
  template <typename T>
  void add(const T& fixed) { append(&fixed, sizeof fixed); }

  void attr(uint16_t type, const void* data, size_t size) {
    rtattr head{};
    head.rta_len = static_cast<uint16_t>(sizeof(rtattr) + size);
    head.rta_type = type;
    append(&head, sizeof head);
    append(data, size);
  }
  void attr_u8(uint16_t type, uint8_t value) { attr(type, &value, sizeof value); }
  void attr_u32(uint16_t type, uint32_t value) { attr(type, &value, sizeof value); }
  // Interface names and kinds travel NUL-terminated.
  void attr_string(uint16_t type, const std::string& text) { attr(type, text.c_str(), text.size() + 1); }

  // Opens a nested attribute; pass the returned offset to end_nested().
  // NLA_F_NESTED tells strict parsers (the bridge's IFLA_PROTINFO among
  // them) that the payload is attributes, not a plain value.
  size_t begin_nested(uint16_t type) {
    size_t start = bytes_.size();
    attr(static_cast<uint16_t>(type | NLA_F_NESTED), nullptr, 0);
    return start;
  }
  void end_nested(size_t start) {
    auto length = static_cast<uint16_t>(bytes_.size() - start);
    std::memcpy(bytes_.data() + start + offsetof(rtattr, rta_len), &length, sizeof length);
  }

  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  // Every piece starts 4-byte aligned; nlmsg_len always covers the padding.
  void append(const void* data, size_t size) {
    size_t at = bytes_.size();
    bytes_.resize(align4(at + size));
    if (size) std::memcpy(bytes_.data() + at, data, size);
    auto length = static_cast<uint32_t>(bytes_.size());
    std::memcpy(bytes_.data() + offsetof(nlmsghdr, nlmsg_len), &length, sizeof length);
  }

  std::vector<uint8_t> bytes_;
};

// Calls `visit(type, payload, size)` for each attribute in `data[0..size)`,
// stopping at the first malformed one (a truncated reply is not trusted).
inline void for_each_attr(const uint8_t* data, size_t size,
                          const std::function<void(uint16_t, const uint8_t*, size_t)>& visit) {
  while (size >= sizeof(rtattr)) {
    rtattr head;
    std::memcpy(&head, data, sizeof head);
    if (head.rta_len < sizeof(rtattr) || head.rta_len > size) return;
    visit(static_cast<uint16_t>(head.rta_type & NLA_TYPE_MASK), data + sizeof(rtattr),
          head.rta_len - sizeof(rtattr));
    size_t step = align4(head.rta_len);
    if (step >= size) return;
    data += step;
    size -= step;
  }
}

}  // namespace pocker::netlink
