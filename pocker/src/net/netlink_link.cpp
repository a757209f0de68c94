// Links: look up, create (bridge, veth), up, hairpin, rename, delete.
// Each is one RTM_*LINK request (rtnetlink(7)); those that only name a
// link pass IFLA_IFNAME and let the kernel find it, saving a round trip.
#include <linux/if_link.h>
#include <linux/veth.h>
#include <net/if.h>

#include "netlink_message.hpp"
#include "pocker/netlink.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// IFNAMSIZ counts the NUL: 15 characters at most. Said here, instead of
// the kernel's bare EINVAL.
Result<void> check_name(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return errno_error(EINVAL, "interface name \"{}\": want 1 to {} characters", name, IFNAMSIZ - 1);
  }
  return ok();
}

ifinfomsg link_header(int index = 0, unsigned char family = AF_UNSPEC) {
  ifinfomsg header{};
  header.ifi_family = family;
  header.ifi_index = index;
  return header;
}

}  // namespace

Result<int> Netlink::link_index(const std::string& name) {
  TRY(check_name(name));
  netlink::Request request(RTM_GETLINK, 0);
  request.add(link_header());
  request.attr_string(IFLA_IFNAME, name);
  auto reply = TRY(transact(request.bytes(), fmt::format("find link {}", name)));
  if (reply.size() < sizeof(ifinfomsg)) return errno_error(EBADMSG, "find link {}: short reply", name);
  ifinfomsg info;
  std::memcpy(&info, reply.data(), sizeof info);
  return info.ifi_index;
}

Result<void> Netlink::create_bridge(const std::string& name) {
  TRY(check_name(name));
  // NLM_F_EXCL: an existing link of that name is an error, never reused
  // silently as if we had made it.
  netlink::Request request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  request.add(link_header());
  request.attr_string(IFLA_IFNAME, name);
  size_t info = request.begin_nested(IFLA_LINKINFO);
  request.attr_string(IFLA_INFO_KIND, "bridge");
  request.end_nested(info);
  TRY(transact(request.bytes(), fmt::format("create bridge {}", name)));
  trace("rtnetlink RTM_NEWLINK bridge {} = ok", name);
  return ok();
}

Result<void> Netlink::create_veth(const VethPair& pair) {
  TRY(check_name(pair.name));
  TRY(check_name(pair.peer));
  netlink::Request request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  request.add(link_header());
  request.attr_string(IFLA_IFNAME, pair.name);
  // Enslaved as it is born: no moment where it exists outside the bridge.
  if (pair.master_index > 0) request.attr_u32(IFLA_MASTER, static_cast<uint32_t>(pair.master_index));
  size_t info = request.begin_nested(IFLA_LINKINFO);
  request.attr_string(IFLA_INFO_KIND, "veth");
  size_t data = request.begin_nested(IFLA_INFO_DATA);
  // The peer is described like a link of its own: an ifinfomsg, then its
  // attributes. IFLA_NET_NS_FD makes the kernel create it directly in the
  // container's namespace, where its name only has to be free there.
  size_t peer = request.begin_nested(VETH_INFO_PEER);
  request.add(link_header());
  request.attr_string(IFLA_IFNAME, pair.peer);
  if (pair.peer_netns_fd >= 0) request.attr_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(pair.peer_netns_fd));
  request.end_nested(peer);
  request.end_nested(data);
  request.end_nested(info);
  TRY(transact(request.bytes(), fmt::format("create veth {} (peer {})", pair.name, pair.peer)));
  trace("rtnetlink RTM_NEWLINK veth {} master {} peer {} netns fd {} = ok", pair.name, pair.master_index,
        pair.peer, pair.peer_netns_fd);
  return ok();
}

Result<void> Netlink::set_up(const std::string& name) {
  TRY(check_name(name));
  netlink::Request request(RTM_SETLINK, 0);
  ifinfomsg header = link_header();
  header.ifi_flags = IFF_UP;
  header.ifi_change = IFF_UP;  // only this flag changes; the others stay as they are
  request.add(header);
  request.attr_string(IFLA_IFNAME, name);
  TRY(transact(request.bytes(), fmt::format("set link {} up", name)));
  trace("rtnetlink RTM_SETLINK {} IFF_UP = ok", name);
  return ok();
}

Result<void> Netlink::set_hairpin(const std::string& name, bool on) {
  // Port settings go to the bridge's own handler (family AF_BRIDGE), which
  // finds the port by index only, not by name.
  int index = TRY(link_index(name));
  netlink::Request request(RTM_SETLINK, 0);
  request.add(link_header(index, AF_BRIDGE));
  size_t port = request.begin_nested(IFLA_PROTINFO);
  request.attr_u8(IFLA_BRPORT_MODE, on ? 1 : 0);
  request.end_nested(port);
  TRY(transact(request.bytes(), fmt::format("set hairpin {} for bridge port {}", on ? "on" : "off", name)));
  trace("rtnetlink RTM_SETLINK AF_BRIDGE {} IFLA_BRPORT_MODE={} = ok", name, on ? 1 : 0);
  return ok();
}

Result<void> Netlink::rename(const std::string& name, const std::string& new_name) {
  TRY(check_name(new_name));
  // IFLA_IFNAME is the new name here, so the link goes by its index.
  int index = TRY(link_index(name));
  netlink::Request request(RTM_SETLINK, 0);
  request.add(link_header(index));
  request.attr_string(IFLA_IFNAME, new_name);
  TRY(transact(request.bytes(), fmt::format("rename link {} to {}", name, new_name)));
  trace("rtnetlink RTM_SETLINK {} IFLA_IFNAME={} = ok", name, new_name);
  return ok();
}

Result<void> Netlink::delete_link(const std::string& name) {
  TRY(check_name(name));
  netlink::Request request(RTM_DELLINK, 0);
  request.add(link_header());
  request.attr_string(IFLA_IFNAME, name);
  TRY(transact(request.bytes(), fmt::format("delete link {}", name)));
  trace("rtnetlink RTM_DELLINK {} = ok", name);
  return ok();
}

}  // namespace pocker
