/// @file
/// @brief lvX: the default `bridge` network: a bridge on the host, one veth
/// pair per container, an address from IPAM, a default route.
///
/// Parent side only (the container's network namespace is set up from
/// outside, through a netlink socket opened inside it), after clone and
/// before the child is released to exec, so the command starts with its
/// network ready:
///
///     host netns                          container netns
///     pocker0 172.29.0.1/16 ── pkXXXXXXXXXXXX ═══ eth0 172.29.0.N/16
///                                                 default via 172.29.0.1
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/ipv4.hpp"
#include "pocker/netlink.hpp"

namespace pocker {

/// A bridge network's settings. The defaults are the default `bridge`
/// network: 172.29.0.0/16 overlaps none of this machine's networks (nor
/// docker's 172.17/16 or podman's 10.88/16, which may share a host).
struct BridgeNetwork {
  std::string bridge = "pocker0";               ///< the bridge's name
  Ipv4Net subnet{Ipv4{0xac1d0000}, 16};         ///< 172.29.0.0/16
  Ipv4 gateway{0xac1d0001};                     ///< 172.29.0.1, the bridge's own address
  std::string lease_dir;                        ///< IPAM's directory (made if missing)
  /// No way out (`network create --internal`): no masquerade, and the host
  /// is not asked to forward (pocker/nat.hpp).
  bool internal = false;
  std::string id;  ///< a user network's id (names its veths); empty: the default network
};

/// How one container joins a network (bridge_attach()).
struct BridgeAttachOptions {
  std::string interface = "eth0";  ///< the container's end (eth1... for `network connect`)
  std::optional<Ipv4> address;     ///< `--ip`: exactly this address, else the lowest free one
  bool default_route = true;       ///< false: --internal, or not the container's first network
};

/// Where the default network keeps its leases: one directory for the
/// whole host, because the bridge and its subnet are the host's too (two
/// stores, `--root A` and `--root B`, share pocker0: leases kept per store
/// would give both the same address). /run is a tmpfs, so the leases go at
/// a reboot, together with the bridge and every container.
inline constexpr const char* kBridgeLeaseDir = "/run/pocker/networks/bridge/leases";

/// What bridge_attach() gave a container.
struct BridgeAttachment {
  std::string host_veth;  ///< our end of the veth, on the bridge
  Ipv4Net address;        ///< the container's eth0 address, with the subnet's prefix (0.0.0.0/32: none)
  Ipv4 gateway;           ///< its default route
  Fd lease;               ///< the lease file, held (Ipam::allocate): keep it while the container lives
};

/// The host end's name for a container: `pk` and the first 12 characters
/// of its id, 14 in all (IFNAMSIZ allows 15). Derived, not random, so a
/// collection pass finds the veth of a container killed mid-set-up.
/// The id must start with 12 lower-case hex digits.
Result<std::string> veth_name(const std::string& container_id);
/// The same on a user network (`network_id` not empty): `pv` and 12 hex
/// digits of a hash of both ids, since a container may be on several
/// networks and each needs a veth of its own.
Result<std::string> veth_name(const std::string& container_id, const std::string& network_id);

/// Parent side, after clone: connects the container whose network
/// namespace is `netns_fd` (/proc/PID/ns/net) to `network`, creating the
/// bridge if missing. `host` is a netlink socket in the namespace that
/// holds the bridge (Netlink::open() for the machine's own). On failure
/// every step taken is undone: the lease freed, the veth deleted. A veth
/// of the same name that still exists (the container's last run, whose
/// namespace died a moment ago) is deleted and the pair made again, once.
/// `options` names the container's interface, its address (`--ip`) and
/// whether it gets the default route.
Result<BridgeAttachment> bridge_attach(Netlink& host, const BridgeNetwork& network,
                                       const std::string& container_id, int netns_fd,
                                       const BridgeAttachOptions& options = {});

/// Undoes bridge_attach() for `container_id`: deletes the veth (both ends)
/// and frees the container's leases. Parts already gone are not errors,
/// so it serves every exit path and a collection after `kill -9`.
Result<void> bridge_detach(Netlink& host, const BridgeNetwork& network, const std::string& container_id);

/// For each lease not held (Ipam::allocate) whose container `alive` says
/// is gone: bridge_detach().
/// Returns how many containers were collected.
Result<int> bridge_collect(Netlink& host, const BridgeNetwork& network,
                           const std::function<bool(const std::string&)>& alive);

/// Deletes the bridge (with the network's last container); gone is fine.
Result<void> bridge_remove(Netlink& host, const BridgeNetwork& network);

}  // namespace pocker
