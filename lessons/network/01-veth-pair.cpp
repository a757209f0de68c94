// Lesson network, steps 1-3: a veth pair between two network namespaces,
// made with pocker's own rtnetlink layer (pocker/include/pocker/netlink.hpp).
//
// Both namespaces are made here, so the host's interfaces are never touched:
// one plays the host, one the container. The program shows that
//   - the peer is born inside the container's namespace (one request),
//   - each side sees only its own end,
//   - an address and a route go on eth0 through a socket opened inside,
//   - the pair dies with the container's namespace, a moment later.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "pocker/netlink.hpp"

using namespace pocker;

namespace {

// A new network namespace, held only by the returned descriptor: this
// thread enters it (unshare) and goes back (setns).
Result<Fd> make_netns() {
  Fd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own) return sys_error("open /proc/thread-self/ns/net");
  if (::unshare(CLONE_NEWNET) < 0) return sys_error("unshare(CLONE_NEWNET)");
  Fd made(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (::setns(own.get(), CLONE_NEWNET) < 0) return sys_error("setns back");
  if (!made) return sys_error("open the new namespace");
  return made;
}

unsigned long inode_of(const Fd& fd) {
  struct stat st;
  return ::fstat(fd.get(), &st) == 0 ? static_cast<unsigned long>(st.st_ino) : 0;
}

// Steps 2 and 4, seen from inside: only eth0, then an address and a
// default route on it. Up before the route: the kernel refuses a gateway
// it cannot reach.
Result<void> configure_container(int netns) {
  Netlink inside = TRY(Netlink::open_in(netns));
  int theirs = TRY(inside.link_index("eth0"));
  std::printf("container side: eth0 is ifindex %d\n", theirs);
  auto crossed = inside.link_index("lesson0");
  std::printf("container side: lesson0 = %s\n", crossed ? "found (wrong!)" : crossed.error().message().c_str());
  Ipv4Net address = TRY(parse_cidr("10.200.0.2/24"));
  Ipv4 gateway = TRY(parse_ipv4("10.200.0.1"));
  TRY(inside.set_up("lo"));
  TRY(inside.add_address("eth0", address));
  TRY(inside.set_up("eth0"));
  TRY(inside.add_default_route(gateway));
  std::printf("container side: eth0 has 10.200.0.2/24, default via 10.200.0.1\n");
  return ok();
}

int fail(const Error& error) {
  std::printf("failed: %s\n", error.message().c_str());
  return 1;
}

}  // namespace

int main() {
  if (::geteuid() != 0) {
    std::printf("needs root: it makes network namespaces\n");
    return 77;
  }
  auto host_ns = make_netns();
  auto container_ns = make_netns();
  if (!host_ns) return fail(host_ns.error());
  if (!container_ns) return fail(container_ns.error());
  std::printf("namespaces: \"host\" net:[%lu], container net:[%lu]\n", inode_of(host_ns.value()),
              inode_of(container_ns.value()));

  // Step 2: one RTM_NEWLINK makes both ends; IFLA_NET_NS_FD puts the peer
  // straight into the container's namespace.
  auto host = Netlink::open_in(host_ns.value().get());
  if (!host) return fail(host.error());
  if (auto made = host.value().create_veth({"lesson0", "eth0", container_ns.value().get(), 0}); !made) {
    return fail(made.error());
  }
  std::printf("RTM_NEWLINK veth lesson0, peer eth0 in the container = ok\n");
  auto ours = host.value().link_index("lesson0");
  if (!ours) return fail(ours.error());
  std::printf("host side: lesson0 is ifindex %d\n", ours.value());
  // A socket keeps its namespace alive: this one is closed at the end of
  // configure_container(), or step 6 would wait forever.
  if (auto configured = configure_container(container_ns.value().get()); !configured) {
    return fail(configured.error());
  }

  // Step 6: no RTM_DELLINK. The container's namespace goes (here: its last
  // descriptor is closed), and the kernel takes the pair with it.
  container_ns.value().reset();
  auto start = std::chrono::steady_clock::now();
  while (host.value().link_index("lesson0")) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(5)) {
      std::printf("lesson0 still there 5 s after the namespace went\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("container namespace closed: lesson0 gone from the host side after %.0f ms\n", ms);
  return 0;
}
