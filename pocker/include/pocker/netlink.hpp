/// @file
/// @brief lvX: a small rtnetlink client of our own (links, addresses, routes).
///
/// What `ip link`, `ip addr` and `ip route` do, as the kernel sees it: one
/// request per change on a NETLINK_ROUTE socket, answered by an ACK that
/// carries an errno (rtnetlink(7)). Every error names the interface and
/// keeps the errno, e.g. `create veth pk0123456789ab: file exists`.
///
/// A socket acts on the network namespace it was opened in, for its whole
/// life: open_in() gives a socket inside a container's namespace without
/// the process staying there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/ipv4.hpp"

namespace pocker {

/// A veth pair made by one RTM_NEWLINK: our end here, the peer born in
/// another namespace (so it is never visible on the host, not even for a
/// moment) and our end already enslaved to a bridge.
struct VethPair {
  std::string name;        ///< our end, in the socket's namespace (at most 15 characters)
  std::string peer;        ///< the other end's name, in its namespace
  int peer_netns_fd = -1;  ///< the peer's network namespace (IFLA_NET_NS_FD), -1: ours
  int master_index = 0;    ///< bridge to enslave our end to (IFLA_MASTER), 0: none
};

/// A NETLINK_ROUTE socket with the operations pocker's networks need.
/// One per process: after a fork, replies on a shared socket may be read
/// by either side.
class Netlink {
 public:
  /// A socket in the caller's network namespace.
  static Result<Netlink> open();
  /// A socket in the network namespace `netns_fd` (/proc/PID/ns/net). The
  /// calling thread enters it for the socket(2) call only, then returns.
  static Result<Netlink> open_in(int netns_fd);

  /// The ifindex of link `name` (RTM_GETLINK); ENODEV when there is none.
  Result<int> link_index(const std::string& name);
  /// Creates a bridge (RTM_NEWLINK, kind `bridge`); EEXIST if `name` exists.
  Result<void> create_bridge(const std::string& name);
  /// Creates a veth pair in one request; see VethPair.
  Result<void> create_veth(const VethPair& pair);
  /// Sets IFF_UP on link `name`.
  Result<void> set_up(const std::string& name);
  /// Turns hairpin mode of bridge port `name` on or off (IFLA_PROTINFO /
  /// IFLA_BRPORT_MODE): on, a frame may leave by the port it came in, so a
  /// container reaches its own published ports through the host.
  Result<void> set_hairpin(const std::string& name, bool on);
  /// Renames link `name` to `new_name`. Kernels before 6.2 refuse it while
  /// the link is up (EBUSY): rename first, then set_up().
  Result<void> rename(const std::string& name, const std::string& new_name);
  /// Adds `address` (with its prefix, and the broadcast address of that
  /// subnet for prefixes up to /30) to link `name`; EEXIST if it is there.
  Result<void> add_address(const std::string& name, const Ipv4Net& address);
  /// Adds the default route via `gateway` (main table); EEXIST if one exists.
  Result<void> add_default_route(Ipv4 gateway);
  /// Deletes link `name` (both ends, for a veth); ENODEV if there is none.
  Result<void> delete_link(const std::string& name);

 private:
  explicit Netlink(Fd fd) : fd_(std::move(fd)) {}
  // Sends one request and reads until its ACK. Returns the reply a GET
  // request gets before the ACK (empty for others); an ACK with an error
  // becomes an Error with its errno, `what` and the kernel's own text.
  Result<std::vector<uint8_t>> transact(std::vector<uint8_t> request, const std::string& what);

  Fd fd_;
  uint32_t seq_ = 0;
};

}  // namespace pocker
