// The container's side of the bridge network: attach before kGo, release
// the lease at the end, and collect leases of killed pockers.
#include "container_network.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container_cgroup.hpp"
#include "pocker/ipam.hpp"
#include "pocker/trace.hpp"

namespace pocker {

BridgeNetwork default_bridge_network() {
  BridgeNetwork network;
  network.lease_dir = kBridgeLeaseDir;
  return network;
}

Result<void> ContainerNetwork::attach(const ContainerSpec& spec, pid_t pid) {
  if (spec.network != "bridge") return ok();
  // By the namespace's file, not the pid: the socket made inside it stays
  // in it whatever the process does next.
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  Fd netns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) return sys_error("open {}", path);
  // Never the host's own namespace (a pocker without CLONE_NEWNET, as the
  // handout's lv1.net step starts): eth0, an address and a default route
  // would land on the host. Then the container simply has the host's.
  struct stat ours, theirs;
  if (::stat("/proc/self/ns/net", &ours) < 0) return sys_error("stat /proc/self/ns/net");
  if (::fstat(netns.get(), &theirs) < 0) return sys_error("stat {}", path);
  if (ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev) {
    trace("network: container {} shares this network namespace: no bridge", spec.id.substr(0, 12));
    return ok();
  }
  Netlink host = TRY_CTX(Netlink::open(), "network");
  network_ = default_bridge_network();
  BridgeAttachment attached = TRY(bridge_attach(host, network_, spec.id, netns.get()));
  // No address: bridge_attach is a stub (the handout's network.bridge step).
  if (attached.address.address.value != 0) {
    address_.ip = to_string(attached.address.address);
    address_.gateway = to_string(attached.gateway);
    address_.prefix_len = attached.address.prefix;
  }
  attachment_ = std::move(attached);
  return ok();
}

ContainerNetwork::~ContainerNetwork() {
  if (!attachment_ || address_.ip.empty()) return;
  BridgeNetwork network = default_bridge_network();
  Ipam ipam(network.lease_dir, network.subnet, network.gateway);
  // Released while still held: no collector can free it in between, and
  // the address is ours, so no one else's lease is removed.
  if (auto released = ipam.release(attachment_->address.address); !released) {
    trace("release the container's address: {}", released.error().message());
  }
}

void collect_network_leases() {
  BridgeNetwork network = default_bridge_network();
  if (::access(network.lease_dir.c_str(), F_OK) < 0) return;  // never a bridge container here
  Ipam ipam(network.lease_dir, network.subnet, network.gateway);
  // A shared look first: with every lease held (the usual case) no
  // command waits for another's exclusive lock, and `ps` stays cheap.
  auto leases = ipam.leases();
  if (!leases) {
    trace("collect leases in {}: {}", network.lease_dir, leases.error().message());
    return;
  }
  bool unheld = false;
  for (const Lease& lease : leases.value()) unheld = unheld || !lease.held;
  if (!unheld) return;
  // Held leases are skipped before `alive` is asked: only a lease whose
  // pocker is dead costs a look at its cgroup. Processes of it may still
  // be on their way out (killed with their pocker): their namespace, and
  // the address in it, lives until the last one is gone.
  auto freed = ipam.collect([](const std::string& id) {
    auto busy = container_cgroup_busy(id);
    return !busy || busy.value();
  });
  if (!freed) {
    trace("collect leases in {}: {}", network.lease_dir, freed.error().message());
  } else if (freed.value() > 0) {
    trace("collected {} leases of containers whose pocker is gone", freed.value());
  }
}

}  // namespace pocker
