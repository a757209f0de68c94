// Internal to the runtime: a container's NAT for one run, parent side:
// its published ports (reserved, DNATed, forwarded) and its outbound
// masquerade (see pocker/nat.hpp and pocker/forwarder.hpp).
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "container_network.hpp"
#include "pocker/forwarder.hpp"
#include "pocker/spec.hpp"

namespace pocker {

/// Which process holds what: the process that runs run_container() (the
/// foreground pocker, or the monitor of `-d`), for as long as the
/// container lives. Declared before the container's Child, so that the
/// rules go and the ports are freed only once the container has ended,
/// on every way out; a holder killed with SIGKILL leaves its hold file
/// unlocked and its sockets closed by the kernel, and the next pocker
/// command deletes the rules (collect_nat_rules()).
class ContainerNat {
 public:
  ContainerNat() = default;
  ~ContainerNat();
  ContainerNat(const ContainerNat&) = delete;
  ContainerNat& operator=(const ContainerNat&) = delete;

  /// Before anything of the container is made: binds every host port of
  /// `spec.ports`, so a port in use fails with nothing to undo.
  Result<void> reserve(const ContainerSpec& spec);

  /// After `network` connected the process `pid`: ip_forward, the nft
  /// rules (masquerade unless the network is internal, DNAT for the
  /// published ports) and the forwarder. Nothing without a bridge.
  Result<void> attach(const ContainerSpec& spec, const ContainerNetwork& network, pid_t pid);

  /// The published ports, host ports as bound.
  std::vector<PortMapping> ports() const;

 private:
  std::string container_id_;
  std::vector<ReservedPort> reserved_;
  Fd hold_;  // the NAT rules' hold file (nat_add)
  PortForwarder forwarder_;
};

/// Deletes the NAT rules of containers whose holder is gone (the hold file
/// is not locked). Failures are traced, never returned (collect_orphans()).
void collect_nat_rules();

}  // namespace pocker
