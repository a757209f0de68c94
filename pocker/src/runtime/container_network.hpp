// Internal to the runtime: a container's network for one run, parent side
// (see pocker/bridge_network.hpp for the bridge itself).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "pocker/bridge_network.hpp"
#include "pocker/runtime.hpp"
#include "pocker/spec.hpp"

namespace pocker {

/// With `--network bridge`: connects the container after clone, before it
/// is released (so its command starts with eth0 ready), and frees its
/// lease when this object goes, on every way out of run_container. The
/// veth is not deleted then: it dies with the container's namespace, while
/// RTM_DELLINK would cost the caller ~30 ms. Declared before the Child, so
/// the lease outlives the container's processes.
class ContainerNetwork {
 public:
  ContainerNetwork() = default;
  ~ContainerNetwork();
  ContainerNetwork(const ContainerNetwork&) = delete;
  ContainerNetwork& operator=(const ContainerNetwork&) = delete;

  /// Connects the process `pid` (in a new network namespace, its id maps
  /// written) as `spec.network` says; nothing for `none`, `host` and
  /// `container:C`. On a user network it also publishes the container's
  /// names to the network's DNS responder, and starts that if none runs.
  Result<void> attach(const ContainerSpec& spec, pid_t pid);
  /// Its address, for state.json; empty without a bridge.
  const ContainerAddress& address() const { return address_; }
  /// The network it was connected to; null without one (or while the
  /// bridge step is a stub and gave no address).
  const BridgeNetwork* network() const { return address_.ip.empty() ? nullptr : &network_; }
  /// Its address on that network.
  Ipv4 ip() const { return attachment_ ? attachment_->address.address : Ipv4{}; }
  /// Where its resolver should ask (a user network's gateway), if anywhere.
  std::optional<Ipv4> nameserver() const { return nameserver_; }

 private:
  std::optional<BridgeAttachment> attachment_;
  BridgeNetwork network_;
  std::string names_file_;  // the DNS responder's entry for this container
  ContainerAddress address_;
  std::optional<Ipv4> nameserver_;
};

/// Writes the container's /etc/hosts, /etc/hostname and /etc/resolv.conf
/// into its state directory (etc_files_dir()), before kGo: the child binds
/// them over the image's.
Result<void> write_etc_files(const ContainerSpec& spec, const ContainerAddress& address,
                             std::optional<Ipv4> nameserver);
/// Where a container's generated /etc files are: `<state_dir>/etc`, or for
/// `--network container:C`, C's (it shares C's names, as docker does);
/// empty with `--network host` (the image's own files stay).
std::string etc_files_dir(const ContainerSpec& spec);

/// With `--network container:C`: the network namespace of C's running
/// process, to join; an error naming C when it does not run.
Result<Fd> open_shared_netns(const ContainerSpec& spec);

/// Frees the leases of the default bridge network whose pocker is gone
/// (the lease is not held) and whose container has no live process left
/// (its cgroup). Cheap when there is nothing to do: the lease directory
/// is listed, and each lease opened and flock(2)ed once. Failures are
/// traced, never returned (collect_orphans()).
void collect_network_leases();

/// The default bridge network as pocker uses it.
BridgeNetwork default_bridge_network();

/// Frees the leases of gone containers on every user network, and removes
/// networks whose store is gone (collect_networks()).
void collect_user_networks();

}  // namespace pocker
