// The container's NAT: reserve before clone, rules and forwarder after the
// bridge, all undone when the run ends or collected after a kill -9.
#include "container_nat.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "pocker/nat.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<void> ContainerNat::reserve(const ContainerSpec& spec) {
  if (spec.ports.empty()) return ok();
  container_id_ = spec.id;
  reserved_ = TRY(reserve_ports(spec.ports));
  return ok();
}

Result<void> ContainerNat::attach(const ContainerSpec& spec, const ContainerNetwork& network, pid_t pid) {
  const BridgeNetwork* bridge = network.network();
  if (!bridge) {
    if (!reserved_.empty()) {
      return user_error("published ports need a container on a bridge network, and this one has no address");
    }
    return ok();
  }
  container_id_ = spec.id;
  // handout(network.nat) begin: outbound masquerade and DNAT for the published ports: ip_forward on (unless the network is internal), one nft transaction of rules named after the container (nat_add, whose hold file is kept), then the forwarder entering the container's namespace for what DNAT cannot serve
  if (!bridge->internal) TRY(enable_ip_forward());
  NatRules rules;
  rules.container_id = spec.id;
  rules.subnet = bridge->subnet;
  rules.address = network.ip();
  rules.masquerade = !bridge->internal;
  rules.ports = ports();
  hold_ = TRY(nat_add(rules));
  if (!reserved_.empty()) {
    std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
    Fd netns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) return sys_error("open {}", path);
    TRY(forwarder_.start(reserved_, netns.get(), network.ip()));
  }
  // handout(network.nat) stub:
  // (void)pid;
  // trace("network {}: no NAT yet (network.nat is not done): no way out, no published ports",
  //       bridge->bridge);
  // handout(network.nat) end
  return ok();
}

std::vector<PortMapping> ContainerNat::ports() const {
  std::vector<PortMapping> out;
  for (const ReservedPort& p : reserved_) out.push_back(p.mapping);
  return out;
}

ContainerNat::~ContainerNat() {
  forwarder_.stop();
  if (hold_) {
    if (auto removed = nat_remove(container_id_); !removed) {
      trace("remove the container's NAT rules: {}", removed.error().message());
    }
  }
  // The reserved sockets close after the rules are gone: no moment when
  // the port is free while DNAT still sends its traffic to the container.
}

void collect_nat_rules() {
  if (::access(kNatHoldDir, F_OK) < 0) return;
  auto collected = nat_collect();
  if (!collected) trace("collect NAT rules in {}: {}", kNatHoldDir, collected.error().message());
}

}  // namespace pocker
