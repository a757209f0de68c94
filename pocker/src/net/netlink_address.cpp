// Addresses and routes: RTM_NEWADDR and RTM_NEWROUTE (rtnetlink(7)).
// Addresses go on the wire in network byte order; Ipv4 holds host order.
#include <arpa/inet.h>
#include <linux/if_addr.h>

#include "netlink_message.hpp"
#include "pocker/netlink.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

uint32_t wire(Ipv4 ip) { return htonl(ip.value); }

}  // namespace

Result<void> Netlink::add_address(const std::string& name, const Ipv4Net& address) {
  std::string what = fmt::format("add address {} to {}", to_string(address), name);
  // ifaddrmsg names the link by index only.
  int index = TRY_CTX(link_index(name), what);
  netlink::Request request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  ifaddrmsg header{};
  header.ifa_family = AF_INET;
  header.ifa_prefixlen = static_cast<unsigned char>(address.prefix);
  header.ifa_scope = RT_SCOPE_UNIVERSE;
  header.ifa_index = static_cast<uint32_t>(index);
  request.add(header);
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS the same on a
  // broadcast link (it differs only at the far end of point-to-point).
  request.attr_u32(IFA_LOCAL, wire(address.address));
  request.attr_u32(IFA_ADDRESS, wire(address.address));
  // `ip addr add` sets no broadcast unless asked (`brd +`); docker's and
  // podman's interfaces have it, and /31 and /32 have none to have.
  if (address.prefix <= 30) request.attr_u32(IFA_BROADCAST, wire(address.broadcast()));
  TRY(transact(request.bytes(), what));
  trace("rtnetlink RTM_NEWADDR {} {} = ok", name, to_string(address));
  return ok();
}

Result<void> Netlink::add_default_route(Ipv4 gateway) {
  std::string what = fmt::format("add default route via {}", to_string(gateway));
  netlink::Request request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  rtmsg header{};
  header.rtm_family = AF_INET;
  header.rtm_dst_len = 0;  // 0.0.0.0/0: no RTA_DST at all
  header.rtm_table = RT_TABLE_MAIN;
  header.rtm_protocol = RTPROT_BOOT;  // what `ip route add` uses: set by an administrator
  header.rtm_scope = RT_SCOPE_UNIVERSE;
  header.rtm_type = RTN_UNICAST;
  request.add(header);
  // The kernel finds the link from the gateway: it must be on a subnet
  // of a link that is up (ENETUNREACH otherwise).
  request.attr_u32(RTA_GATEWAY, wire(gateway));
  TRY(transact(request.bytes(), what));
  trace("rtnetlink RTM_NEWROUTE default via {} = ok", to_string(gateway));
  return ok();
}

}  // namespace pocker
