/// @file
/// @brief lvX: NAT for bridge networks: outbound masquerade and published
/// ports by DNAT, in one nftables table of pocker's own (`ip pocker`).
///
/// Every rule carries the comment `pocker:<container id>`, so the rules of
/// one container are found and deleted together, and the table goes with
/// the last of them. Other tables (firewalld's, podman's netavark, docker's
/// iptables-nft) are never read or changed.
///
///     chain prerouting   (nat, dstnat)  fib daddr type local tcp dport 8080 dnat to 172.29.0.2:80
///     chain output       (nat, -100)    the same for the host's own traffic, but not to 127.0.0.0/8
///     chain postrouting  (nat, srcnat)  ip saddr 172.29.0.2 ip daddr != 172.29.0.0/16 masquerade
///                                       ip saddr 172.29.0.0/16 ip daddr 172.29.0.2 ct status dnat masquerade
///
/// A container's rules exist while a process holds its *hold file*
/// (`<dir>/<id>`, flock(2)ed): nat_collect() deletes the rules of every
/// container whose holder died, however it died (`kill -9`).
#pragma once

#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/ipv4.hpp"
#include "pocker/ports.hpp"

namespace pocker {

/// Where the hold files of the host's containers live (root only: the
/// table is the machine's, like the bridge).
inline constexpr const char* kNatHoldDir = "/run/pocker/nat";

/// The table pocker owns.
inline constexpr const char* kNatTable = "pocker";

/// What one container on a bridge network needs.
struct NatRules {
  std::string container_id;  ///< 64 hex digits; names the rules
  Ipv4Net subnet;            ///< the bridge network's subnet
  Ipv4 address;              ///< the container's address in it
  /// Outbound masquerade (false for an `--internal` network, which has
  /// no way out).
  bool masquerade = true;
  /// Published ports, host ports chosen already. Those on a loopback
  /// host address get no rule (nat_by_dnat()).
  std::vector<PortMapping> ports;
};

/// Whether DNAT can serve `mapping`: not on 127.0.0.0/8, whose packets
/// the kernel never routes out of the host (those go to the forwarder).
bool nat_by_dnat(const PortMapping& mapping);

/// The nft script that adds the rules (the table and its chains are made
/// if missing), for tests and the lesson.
std::string nat_add_script(const NatRules& rules);

/// Takes the hold file `<hold_dir>/<id>` (made if missing) and adds the
/// rules in one transaction. The returned descriptor is the hold: keep it
/// while the container lives. Nothing is left on failure.
Result<Fd> nat_add(const NatRules& rules, const std::string& hold_dir = kNatHoldDir);

/// Deletes every rule of `container_id` (and the table, when it was the
/// last), then its hold file. Rules already gone are not an error.
Result<void> nat_remove(const std::string& container_id, const std::string& hold_dir = kNatHoldDir);

/// nat_remove() for every hold file nobody holds. Returns how many.
Result<int> nat_collect(const std::string& hold_dir = kNatHoldDir);

/// Sets net.ipv4.ip_forward to 1 (the host must route between the bridge
/// and its other interfaces for masquerade and DNAT); traced. Docker does
/// the same, and neither puts it back.
Result<void> enable_ip_forward();

}  // namespace pocker
