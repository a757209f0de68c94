// The default bridge network, one container at a time: one ordered
// function, each step paired with the step that undoes it (the shape of
// netavark's bridge driver), and a detach that undoes them all again.
#include "pocker/bridge_network.hpp"

#include <set>
#include <vector>

#include "pocker/fs.hpp"
#include "pocker/ipam.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// handout(network.bridge) begin: the helpers of bridge_attach: an undo list, ensure_bridge (make the bridge, give it the gateway address, up; "already there" is success) and configure_inside (a netlink socket in the container's namespace: lo up, the address on eth0, eth0 up, the default route)
// Undo steps, run last-first when the set-up fails half-way.
class Undo {
 public:
  ~Undo() {
    for (auto step = steps_.rbegin(); step != steps_.rend(); ++step) (*step)();
  }
  void push(std::function<void()> step) { steps_.push_back(std::move(step)); }
  void dismiss() { steps_.clear(); }

 private:
  std::vector<std::function<void()>> steps_;
};

// The bridge and its gateway address are shared by the network's
// containers, so "already there" is success: two first containers may
// race to make them, and the loser's EEXIST is the winner's work.
Result<void> ensure_bridge(Netlink& host, const BridgeNetwork& network) {
  if (auto made = host.create_bridge(network.bridge); !made && made.error().err() != EEXIST) {
    return std::move(made).error();
  }
  Ipv4Net gateway{network.gateway, network.subnet.prefix};
  if (auto added = host.add_address(network.bridge, gateway); !added && added.error().err() != EEXIST) {
    return std::move(added).error();
  }
  return host.set_up(network.bridge);
}

// Interfaces inside the container's namespace, through a socket opened
// there: the process itself never enters it.
Result<void> configure_inside(int netns_fd, const std::string& interface, const Ipv4Net& address,
                              const std::optional<Ipv4>& gateway) {
  Netlink inside = TRY(Netlink::open_in(netns_fd));
  TRY(inside.set_up("lo"));
  TRY(inside.add_address(interface, address));
  // Up before the route: the kernel refuses a gateway it cannot reach.
  TRY(inside.set_up(interface));
  if (!gateway) return ok();  // --internal, or a second network: its subnet is enough
  return inside.add_default_route(*gateway);
}
// handout(network.bridge) end

}  // namespace

Result<std::string> veth_name(const std::string& container_id) {
  constexpr size_t kIdPart = 12;
  bool hex = container_id.size() >= kIdPart &&
             container_id.find_first_not_of("0123456789abcdef") >= kIdPart;
  if (!hex) {
    return user_error("container id \"{}\": want 12 or more hex digits for a veth name", container_id);
  }
  return "pk" + container_id.substr(0, kIdPart);
}

Result<std::string> veth_name(const std::string& container_id, const std::string& network_id) {
  if (network_id.empty()) return veth_name(container_id);
  TRY(veth_name(container_id));  // the same check of the id
  // FNV-1a, 64 bits, of both ids; 48 of them in the name. A container has
  // one veth per network, so the name must depend on both.
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : container_id + "/" + network_id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return fmt::format("pv{:012x}", hash >> 16);
}

Result<BridgeAttachment> bridge_attach(Netlink& host, const BridgeNetwork& network,
                                       const std::string& container_id, int netns_fd,
                                       const BridgeAttachOptions& options) {
  std::string veth = TRY(veth_name(container_id, network.id));
  // handout(network.bridge) begin: connect the container: lease an address (held), make sure the bridge is up, one RTM_NEWLINK for the veth pair (eth0 born inside, our end on the bridge), hairpin and up our end, then configure_inside; every step undone if a later one fails
  std::string what =
      fmt::format("connect container {} to bridge {}", container_id.substr(0, 12), network.bridge);
  TRY_CTX(make_dirs(network.lease_dir, 0700), what);
  Ipam ipam(network.lease_dir, network.subnet, network.gateway);
  Undo undo;

  // 1. An address first: a full network fails before anything is made.
  //    Held while the attachment lives: a collector then knows its
  //    container is not gone (pocker/ipam.hpp).
  Fd lease;
  Ipv4 address;
  if (options.address) {
    TRY_CTX(ipam.reserve(*options.address, container_id, &lease), what);
    address = *options.address;
  } else {
    address = TRY_CTX(ipam.allocate(container_id, &lease), what);
  }
  undo.push([&ipam, address] { (void)ipam.release(address); });
  // 2. The bridge, shared: never undone here (bridge_remove()).
  TRY_CTX(ensure_bridge(host, network), what);
  int master = TRY_CTX(host.link_index(network.bridge), what);
  // 3. The veth, one request: our end on the bridge, eth0 born inside.
  VethPair pair{veth, options.interface, netns_fd, master};
  auto made = host.create_veth(pair);
  if (!made && made.error().err() == EEXIST) {
    // The same name as a run of this container that just ended (`start`
    // again): its pair goes with its namespace, but only ~30 ms after the
    // namespace died. Delete it now (or find it gone) and try once more.
    trace("veth {} still exists: a pair of this container's last run", veth);
    if (auto deleted = host.delete_link(veth); !deleted && deleted.error().err() != ENODEV) {
      return std::move(deleted).error().wrap(what);
    }
    made = host.create_veth(pair);
  }
  TRY_CTX(std::move(made), what);
  undo.push([&host, veth] { (void)host.delete_link(veth); });
  // 4. Hairpin, so the container reaches its own published ports via the
  //    host (br_netfilter sends bridged frames through netfilter here).
  TRY_CTX(host.set_hairpin(veth, true), what);
  TRY_CTX(host.set_up(veth), what);
  // 5. Inside: lo, the address, eth0 up, the default route.
  Ipv4Net with_prefix{address, network.subnet.prefix};
  std::optional<Ipv4> route;
  if (options.default_route) route = network.gateway;
  TRY_CTX(configure_inside(netns_fd, options.interface, with_prefix, route), what);

  undo.dismiss();
  trace("bridge {}: {} has {} via {}", network.bridge, veth, to_string(with_prefix),
        to_string(network.gateway));
  return BridgeAttachment{veth, with_prefix, network.gateway, std::move(lease)};
  // handout(network.bridge) stub:
  // (void)host;
  // (void)netns_fd;
  // (void)options;
  // trace("bridge {}: not connected, network.bridge is not done yet: the container has only lo",
  //       network.bridge);
  // return BridgeAttachment{veth, {}, network.gateway, {}};
  // handout(network.bridge) end
}

Result<void> bridge_detach(Netlink& host, const BridgeNetwork& network, const std::string& container_id) {
  std::string veth = TRY(veth_name(container_id, network.id));
  std::string what =
      fmt::format("disconnect container {} from bridge {}", container_id.substr(0, 12), network.bridge);
  // Deleting one end deletes both. ENODEV: the namespace died first and
  // took the pair with it, which is the usual case after the container ends.
  if (auto deleted = host.delete_link(veth); !deleted && deleted.error().err() != ENODEV) {
    return std::move(deleted).error().wrap(what);
  }
  Ipam ipam(network.lease_dir, network.subnet, network.gateway);
  return std::move(ipam.release_container(container_id)).wrap(what);
}

Result<int> bridge_collect(Netlink& host, const BridgeNetwork& network,
                           const std::function<bool(const std::string&)>& alive) {
  Ipam ipam(network.lease_dir, network.subnet, network.gateway);
  std::set<std::string> gone;
  for (const Lease& lease : TRY(ipam.leases())) {
    if (!lease.held && !alive(lease.container_id)) gone.insert(lease.container_id);
  }
  for (const std::string& id : gone) {
    // A lease without an id (pocker killed mid-write) names no veth.
    if (veth_name(id)) TRY(bridge_detach(host, network, id));
  }
  // What is left: leases of ids that name no veth.
  TRY(ipam.collect(alive));
  return static_cast<int>(gone.size());
}

Result<void> bridge_remove(Netlink& host, const BridgeNetwork& network) {
  if (auto deleted = host.delete_link(network.bridge); !deleted && deleted.error().err() != ENODEV) {
    return std::move(deleted).error();
  }
  return ok();
}

}  // namespace pocker
