// The network set-up of one container (lessons/network, lvX).
//
//   network/bridge_attach   bridge_attach() into a fresh network
//                           namespace: a lease, the veth pair in one
//                           request (eth0 born inside, our end on the
//                           bridge), hairpin, up, and inside lo, the
//                           address, eth0 up and the default route
//
// Everything happens between namespaces the benchmark makes: one stands in
// for the host (it holds the bridge, made in the first iteration), one per
// iteration for the container. The host's own interfaces are never touched.
// Making and dropping the container's namespace, and releasing the lease,
// happen outside the timer; the veth dies with its namespace.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <string>

#include "bench.hpp"
#include "pocker/bridge_network.hpp"
#include "pocker/fd.hpp"
#include "pocker/fs.hpp"
#include "pocker/ipam.hpp"

namespace pocker::bench {
namespace {

// A new, empty network namespace held only by the descriptor: this thread
// visits it (unshare, then setns back), the process stays where it was.
Result<Fd> make_netns() {
  Fd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own) return sys_error("open /proc/thread-self/ns/net");
  if (::unshare(CLONE_NEWNET) < 0) return sys_error("unshare(CLONE_NEWNET)");
  Fd made(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  int open_errno = errno;
  if (::setns(own.get(), CLONE_NEWNET) < 0) return sys_error("setns back");
  if (!made) return errno_error(open_errno, "open the new network namespace");
  return made;
}

void bridge_attach_bench(benchmark::State& state) {
  if (skip_unless_root(state)) return;
  auto host_ns = make_netns();
  auto temp = make_temp_dir("/tmp/pocker-bench-net-");
  if (!host_ns || !temp) {
    state.SkipWithError((!host_ns ? host_ns.error() : temp.error()).message().c_str());
    return;
  }
  auto host = Netlink::open_in(host_ns.value().get());
  if (!host) {
    state.SkipWithError(host.error().message().c_str());
    (void)remove_tree(temp.value());
    return;
  }
  BridgeNetwork network;
  network.lease_dir = temp.value() + "/leases";
  Ipam ipam(network.lease_dir, network.subnet, network.gateway);
  unsigned n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto container = make_netns();
    std::string id = fmt::format("{:012x}", ++n) + std::string(52, '0');
    state.ResumeTiming();
    if (!container) {
      state.SkipWithError(container.error().message().c_str());
      break;
    }
    auto attached = bridge_attach(host.value(), network, id, container.value().get());
    state.PauseTiming();
    if (!attached) {
      state.SkipWithError(attached.error().message().c_str());
      break;
    }
    (void)ipam.release(attached.value().address.address);
    state.ResumeTiming();
  }
  (void)remove_tree(temp.value());
}

}  // namespace

void register_network_benchmarks() {
  configure(benchmark::RegisterBenchmark("network/bridge_attach", bridge_attach_bench));
}

}  // namespace pocker::bench
