/// @file
/// @brief lvX: user-defined networks (`pocker network create NAME`): each
/// a bridge of its own, a subnet of its own and a DNS responder.
///
/// A network lives in two places, because its parts belong to two owners:
///
///     <root>/networks/NAME.json          the definition, per store: what
///                                        `network ls` shows (two tests with
///                                        their own --root may both have "front")
///     /run/pocker/networks/ID/           the host's part, per machine: the
///       network.json                     copy the host's checks read (subnets
///       leases/  names/                  never overlap, whatever the store)
///       dns.lock  dns.pid                and what containers and the
///                                        responder share
///
/// The bridge, `pb` and the first 12 hex digits of the id, is host-wide
/// too, and unique because the id is random. A host part whose store
/// definition is gone (its --root was deleted) is an orphan, and the next
/// pocker command removes it with its bridge and responder
/// (collect_networks()).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pocker/bridge_network.hpp"
#include "pocker/error.hpp"
#include "pocker/ipv4.hpp"

namespace pocker {

/// The host-wide directory of network parts (a tmpfs: gone at a reboot,
/// together with every bridge).
inline constexpr const char* kNetworksDir = "/run/pocker/networks";

/// Where `network create` looks for a free subnet when none is given: the
/// /24s of 10.210.0.0/16, lowest first.
inline constexpr const char* kNetworkPool = "10.210.0.0/16";

/// One user-defined network.
struct UserNetwork {
  std::string name;        ///< as given to `network create`
  std::string id;          ///< 64 hex digits, random
  Ipv4Net subnet;          ///< e.g. 10.210.0.0/24
  Ipv4 gateway;            ///< the bridge's address and the DNS responder's
  bool internal = false;   ///< --internal: no default route, no masquerade
  std::string created;     ///< RFC 3339
  std::string store;       ///< the absolute --root whose definition it is

  /// The bridge's name: `pb` and 12 hex digits of the id (14 characters).
  std::string bridge() const { return "pb" + id.substr(0, 12); }
  /// `/run/pocker/networks/<id>`: its host-wide directory.
  std::string host_dir() const { return std::string(kNetworksDir) + "/" + id; }
  /// The settings bridge_attach() takes.
  BridgeNetwork bridge_network() const;
};

/// What `network create` was asked for; unset values are chosen.
struct NetworkRequest {
  std::string name;               ///< letters, digits, `_ . -`; not none, host or bridge
  std::optional<Ipv4Net> subnet;  ///< --subnet (host bits zero), else a free /24 of the pool
  std::optional<Ipv4> gateway;    ///< --gateway, inside the subnet, else its first address
  bool internal = false;          ///< --internal
};

/// The networks of one store (`--root`).
class NetworkStore {
 public:
  /// The networks of the store at `root`; nothing is made until one is created.
  explicit NetworkStore(std::string root);

  /// Creates a network: refuses a duplicate name, a subnet that overlaps
  /// another pocker network (of any store) or a route of the host, a
  /// subnet smaller than /30, a gateway outside it. Checked and written
  /// under one host-wide lock, so two creates never get one subnet. Makes
  /// no bridge yet: the first container does.
  Result<UserNetwork> create(const NetworkRequest& request);
  /// Every network of this store, by name.
  Result<std::vector<UserNetwork>> list() const;
  /// A name, a full id or a unique id prefix → the network; a clear error
  /// (`network X not found`) otherwise.
  Result<UserNetwork> find(const std::string& ref) const;
  /// Removes `network`: its DNS responder, bridge and host directory, then
  /// its definition. Refused while a container holds an address
  /// on it: `in_use` names them (it gets the ids of the live leases).
  Result<void> remove(const UserNetwork& network,
                      const std::function<std::string(const std::vector<std::string>& ids)>& in_use);

  /// `<root>/networks`.
  const std::string& dir() const { return dir_; }

 private:
  std::string root_;
  std::string dir_;
};

/// The host's copy of network `id` (what a container's config names).
Result<UserNetwork> load_network(const std::string& id);

/// The ids of the containers holding an address on `network` (held leases,
/// or leases `alive` says are in use), sorted, without duplicates.
Result<std::vector<std::string>> network_users(const UserNetwork& network,
                                               const std::function<bool(const std::string&)>& alive);

/// Stops the network's DNS responder, if one runs (its pid file is trusted
/// only while the responder holds dns.lock).
void stop_dns_responder(const UserNetwork& network);

/// For every host network part: frees the leases of gone containers
/// (bridge_collect(), with the network's veth names); stops the DNS
/// responder of a network left without containers; and removes networks
/// whose store definition is gone. Failures are traced, never returned.
void collect_networks(const std::function<bool(const std::string&)>& alive);

/// Checks a network name: letters, digits, `_ . -`, starting with a letter
/// or digit, at most 64 characters; and not one of the built-in modes.
Result<void> check_network_name(const std::string& name);

}  // namespace pocker
