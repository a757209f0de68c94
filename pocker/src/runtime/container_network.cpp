// The container's side of the bridge network: attach before kGo, release
// the lease at the end, and collect leases of killed pockers.
#include "container_network.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container_cgroup.hpp"
#include "start_protocol.hpp"
#include "pocker/dns.hpp"
#include "pocker/fs.hpp"
#include "pocker/ipam.hpp"
#include "pocker/names.hpp"
#include "pocker/state.hpp"
#include "pocker/user_network.hpp"
#include "pocker/trace.hpp"

namespace pocker {

BridgeNetwork default_bridge_network() {
  BridgeNetwork network;
  network.lease_dir = kBridgeLeaseDir;
  return network;
}

Result<void> ContainerNetwork::attach(const ContainerSpec& spec, pid_t pid) {
  if (spec.network == "none" || spec.network == "host" || spec.network.rfind("container:", 0) == 0) {
    return ok();
  }
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
  BridgeAttachOptions options;
  std::optional<UserNetwork> user;
  if (spec.network == "bridge") {
    network_ = default_bridge_network();
  } else {
    user = TRY_CTX(load_network(spec.network_id), fmt::format("network {}", spec.network));
    network_ = user->bridge_network();
    network_.internal = user->internal;  // no masquerade either (pocker/nat.hpp)
    // --internal: no way out, so no default route (and no masquerade).
    options.default_route = !user->internal;
    if (!spec.ip.empty()) options.address = TRY(parse_ipv4(spec.ip));
  }
  BridgeAttachment attached = TRY(bridge_attach(host, network_, spec.id, netns.get(), options));
  // No address: bridge_attach is a stub (the handout's network.bridge step).
  if (attached.address.address.value != 0) {
    address_.ip = to_string(attached.address.address);
    address_.gateway = to_string(attached.gateway);
    address_.prefix_len = attached.address.prefix;
  }
  attachment_ = std::move(attached);
  if (user && !address_.ip.empty()) {
    // The names the responder answers with this address: the container's
    // name, its hostname and its aliases (one line, words).
    std::string words = spec.name + " " + (spec.hostname.empty() ? spec.id.substr(0, 12) : spec.hostname);
    for (const std::string& alias : spec.aliases) words += " " + alias;
    names_file_ = user->host_dir() + "/names/" + spec.id;
    TRY_CTX(write_file_atomic(names_file_, words + "\n"), "network " + user->name);
    TRY_CTX(ensure_dns_responder(*user, {"pocker", "network", "dns-serve", user->id}),
            "network " + user->name);
    nameserver_ = user->gateway;
  }
  return ok();
}

ContainerNetwork::~ContainerNetwork() {
  if (!names_file_.empty()) ::unlink(names_file_.c_str());
  if (!attachment_ || address_.ip.empty()) return;
  Ipam ipam(network_.lease_dir, network_.subnet, network_.gateway);
  // Released while still held: no collector can free it in between, and
  // the address is ours, so no one else's lease is removed.
  if (auto released = ipam.release(attachment_->address.address); !released) {
    trace("release the container's address: {}", released.error().message());
  }
}

std::string etc_files_dir(const ContainerSpec& spec) {
  if (spec.network == "host") return "";
  if (spec.network.rfind("container:", 0) == 0) {
    std::string containers = spec.state_dir.substr(0, spec.state_dir.rfind('/'));
    return containers + "/" + spec.network_id + "/etc";
  }
  return spec.state_dir + "/etc";
}

Result<void> write_etc_files(const ContainerSpec& spec, const ContainerAddress& address,
                             std::optional<Ipv4> nameserver) {
  // handout(network.names) begin: write hosts, hostname and resolv.conf for the container into its state directory (the child binds them over the image's /etc files)
  if (spec.network == "host" || spec.network.rfind("container:", 0) == 0) return ok();
  std::string dir = etc_files_dir(spec);
  TRY(make_dirs(dir, 0755));
  HostsFile hosts;
  hosts.hostname = spec.hostname.empty() ? spec.id.substr(0, 12) : spec.hostname;
  hosts.names.push_back(spec.name);
  hosts.names.insert(hosts.names.end(), spec.aliases.begin(), spec.aliases.end());
  if (!address.ip.empty()) hosts.address = TRY(parse_ipv4(address.ip));
  for (const std::string& entry : spec.extra_hosts) hosts.extra.push_back(TRY(parse_add_host(entry)));
  std::vector<Ipv4> dns;
  for (const std::string& server : spec.dns) dns.push_back(TRY(parse_ipv4(server)));
  auto host_resolv = read_file("/etc/resolv.conf");
  TRY(write_file_atomic(dir + "/hosts", hosts_file_text(hosts)));
  TRY(write_file_atomic(dir + "/hostname", hosts.hostname + "\n"));
  TRY(write_file_atomic(dir + "/resolv.conf",
                        resolv_conf_text(dns, nameserver, host_resolv ? host_resolv.value() : "")));
  trace("wrote {}/hosts, hostname and resolv.conf{}", dir,
        nameserver ? " (nameserver " + to_string(*nameserver) + ": the network's DNS responder)" : "");
  return ok();
  // handout(network.names) stub:
  // (void)spec;
  // (void)address;
  // (void)nameserver;
  // return ok();
  // handout(network.names) end
}

Result<Fd> open_shared_netns(const ContainerSpec& spec) {
  std::string other = spec.network_id;
  StateStore store(store_root_of(spec));
  ContainerState state = TRY(store.load(other));
  if (state.status != "running" || state.pid <= 0) {
    return user_error("--network container:{}: that container is not running", state.name);
  }
  std::string path = "/proc/" + std::to_string(state.pid) + "/ns/net";
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("--network container:{}: open {}", state.name, path);
  trace("open {} (the network namespace of container {}) = {}", path, state.name, fd.get());
  return fd;
}

void collect_user_networks() {
  collect_networks([](const std::string& id) {
    auto busy = container_cgroup_busy(id);
    return !busy || busy.value();
  });
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
