// The bridge network (pocker/bridge_network.hpp) between namespaces the
// test makes: one standing in for the host (it holds the bridge), one per
// container. `ip -j` checks each step; a TCP connection between two
// containers proves the whole path. Traffic stays inside these namespaces.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include <gtest/gtest.h>

#include "netns_helpers.hpp"
#include "pocker/bridge_network.hpp"
#include "pocker/fs.hpp"
#include "pocker/ipam.hpp"

namespace pocker {
namespace {

using testing::has_flag;
using testing::ip_json;
using testing::link_json;
using testing::make_netns;
using testing::run_in_netns;

class BridgeNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: creates network namespaces";
    if (!testing::have_ip()) GTEST_SKIP() << "needs iproute2's ip (the oracle of these tests)";
    host_ = make_netns().value();
    temp_ = make_temp_dir("/tmp/pocker-bridge-test-").value();
    network_.lease_dir = temp_ + "/leases";
    auto socket = Netlink::open_in(host_.get());
    ASSERT_TRUE(socket) << socket.error().message();
    nl_.emplace(std::move(socket).value());
  }
  void TearDown() override {
    if (!temp_.empty()) (void)remove_tree(temp_);
  }

  // A 64-hex-digit container id, unique to this process and `n`.
  static std::string id(int n) { return fmt::format("{:08x}{:04x}", ::getpid(), n) + std::string(52, '0'); }

  Fd host_;
  std::optional<Netlink> nl_;
  std::string temp_;
  BridgeNetwork network_;
};

TEST_F(BridgeNetworkTest, VethNameFromTheContainerId) {
  EXPECT_EQ(veth_name("0123456789abcdef0123").value(), "pk0123456789ab");
  EXPECT_EQ(veth_name(std::string(64, 'f')).value().size(), 14u);
  EXPECT_FALSE(veth_name("0123456789a"));
  EXPECT_FALSE(veth_name("0123456789aB"));
  EXPECT_FALSE(veth_name("../../etc/xx"));
}

TEST_F(BridgeNetworkTest, AttachSetsUpEachStepAsIpSeesIt) {
  Fd container = make_netns().value();
  auto start = std::chrono::steady_clock::now();
  auto attached = bridge_attach(*nl_, network_, id(1), container.get());
  auto took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(attached) << attached.error().message();
  std::cout << "bridge_attach (first container, bridge made): " << took << " ms\n";
  const BridgeAttachment& a = attached.value();
  EXPECT_EQ(a.host_veth, "pk" + id(1).substr(0, 12));
  EXPECT_EQ(to_string(a.address), "172.29.0.2/16");

  auto bridge = link_json(host_.get(), "pocker0");
  ASSERT_FALSE(bridge.is_null());
  EXPECT_TRUE(has_flag(bridge, "UP"));
  auto bridge_addr = ip_json(host_.get(), {"-4", "addr", "show", "dev", "pocker0"});
  ASSERT_TRUE(bridge_addr.is_array() && bridge_addr.size() == 1) << bridge_addr.dump();
  EXPECT_EQ(bridge_addr[0]["addr_info"][0]["local"], "172.29.0.1");
  EXPECT_EQ(bridge_addr[0]["addr_info"][0]["prefixlen"], 16);
  auto veth = link_json(host_.get(), a.host_veth);
  ASSERT_FALSE(veth.is_null());
  EXPECT_EQ(veth["master"], "pocker0");
  EXPECT_TRUE(has_flag(veth, "UP"));
  EXPECT_EQ(veth["linkinfo"]["info_slave_data"]["hairpin"], true);

  EXPECT_TRUE(has_flag(link_json(container.get(), "lo"), "UP"));
  EXPECT_TRUE(has_flag(link_json(container.get(), "eth0"), "UP"));
  auto addr = ip_json(container.get(), {"-4", "addr", "show", "dev", "eth0"});
  ASSERT_TRUE(addr.is_array() && addr.size() == 1) << addr.dump();
  EXPECT_EQ(addr[0]["addr_info"][0]["local"], "172.29.0.2");
  auto routes = ip_json(container.get(), {"-4", "route", "show", "default"});
  ASSERT_TRUE(routes.is_array() && routes.size() == 1) << routes.dump();
  EXPECT_EQ(routes[0]["gateway"], "172.29.0.1");

  // A second container: the bridge is reused, the next address leased.
  Fd second = make_netns().value();
  start = std::chrono::steady_clock::now();
  auto next = bridge_attach(*nl_, network_, id(2), second.get());
  took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(next) << next.error().message();
  std::cout << "bridge_attach (bridge already there): " << took << " ms\n";
  EXPECT_EQ(to_string(next.value().address), "172.29.0.3/16");
}

TEST_F(BridgeNetworkTest, DetachUndoesItAll) {
  Fd container = make_netns().value();
  auto attached = bridge_attach(*nl_, network_, id(1), container.get());
  ASSERT_TRUE(attached) << attached.error().message();
  auto detached = bridge_detach(*nl_, network_, id(1));
  ASSERT_TRUE(detached) << detached.error().message();
  EXPECT_TRUE(link_json(host_.get(), attached.value().host_veth).is_null());
  EXPECT_TRUE(link_json(container.get(), "eth0").is_null());
  Ipam ipam(network_.lease_dir, network_.subnet, network_.gateway);
  EXPECT_TRUE(ipam.leases().value().empty());
  // Again, as a second exit path would: nothing left to undo, no error.
  EXPECT_TRUE(bridge_detach(*nl_, network_, id(1)));
  ASSERT_TRUE(bridge_remove(*nl_, network_));
  EXPECT_TRUE(link_json(host_.get(), "pocker0").is_null());
}

TEST_F(BridgeNetworkTest, AFailedAttachLeavesNothingBehind) {
  Fd container = make_netns().value();
  // An eth0 already in the container: the veth request fails with EEXIST
  // after the lease and the bridge were made.
  auto inside = Netlink::open_in(container.get());
  ASSERT_TRUE(inside);
  ASSERT_TRUE(inside.value().create_veth({"eth0", "other0", -1, 0}));
  auto attached = bridge_attach(*nl_, network_, id(1), container.get());
  ASSERT_FALSE(attached);
  EXPECT_EQ(attached.error().err(), EEXIST);
  EXPECT_NE(attached.error().message().find("pk" + id(1).substr(0, 12)), std::string::npos)
      << attached.error().message();
  Ipam ipam(network_.lease_dir, network_.subnet, network_.gateway);
  EXPECT_TRUE(ipam.leases().value().empty());
  EXPECT_TRUE(link_json(host_.get(), "pk" + id(1).substr(0, 12)).is_null());
}

// `start` right after the container's last run ended: its pair may still
// exist (it goes ~30 ms after the namespace died). Attach deletes that
// stale pair and makes its own, once.
TEST_F(BridgeNetworkTest, AStaleVethOfTheSameNameIsReplaced) {
  Fd stale_ns = make_netns().value();
  std::string veth = "pk" + id(1).substr(0, 12);
  ASSERT_TRUE(nl_->create_veth({veth, "eth0", stale_ns.get(), 0}));
  Fd container = make_netns().value();
  auto attached = bridge_attach(*nl_, network_, id(1), container.get());
  ASSERT_TRUE(attached) << attached.error().message();
  EXPECT_EQ(link_json(host_.get(), veth)["master"], "pocker0");
  EXPECT_TRUE(link_json(stale_ns.get(), "eth0").is_null()) << "the stale pair's other end must be gone";
  EXPECT_TRUE(has_flag(link_json(container.get(), "eth0"), "UP"));
}

// A lease held by a live attachment (its pocker runs) is never collected.
TEST_F(BridgeNetworkTest, CollectLeavesHeldLeasesAlone) {
  Fd container = make_netns().value();
  auto attached = bridge_attach(*nl_, network_, id(1), container.get());
  ASSERT_TRUE(attached) << attached.error().message();
  auto collected = bridge_collect(*nl_, network_, [](const std::string&) { return false; });
  ASSERT_TRUE(collected) << collected.error().message();
  EXPECT_EQ(collected.value(), 0);
  EXPECT_FALSE(link_json(host_.get(), attached.value().host_veth).is_null());
  EXPECT_EQ(Ipam(network_.lease_dir, network_.subnet, network_.gateway).leases().value().size(), 1u);
}

TEST_F(BridgeNetworkTest, CollectFreesTheLeasesAndVethsOfGoneContainers) {
  Fd first = make_netns().value(), second = make_netns().value();
  ASSERT_TRUE(bridge_attach(*nl_, network_, id(1), first.get()));
  ASSERT_TRUE(bridge_attach(*nl_, network_, id(2), second.get()));
  auto collected = bridge_collect(*nl_, network_, [](const std::string& c) { return c == id(2); });
  ASSERT_TRUE(collected) << collected.error().message();
  EXPECT_EQ(collected.value(), 1);
  EXPECT_TRUE(link_json(host_.get(), "pk" + id(1).substr(0, 12)).is_null());
  EXPECT_FALSE(link_json(host_.get(), "pk" + id(2).substr(0, 12)).is_null());
  auto leases = Ipam(network_.lease_dir, network_.subnet, network_.gateway).leases().value();
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].container_id, id(2));
}

// Several first containers at once race to make the bridge: the losers'
// EEXIST must count as success, and each gets an address of its own.
TEST_F(BridgeNetworkTest, FirstContainersRacingForTheBridgeAllGetOnIt) {
  constexpr int kCount = 8;
  std::vector<Fd> containers;
  for (int i = 0; i < kCount; ++i) containers.push_back(make_netns().value());
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  Fd wait_end(go[0]), start(go[1]);
  std::vector<Child> children;
  for (int i = 0; i < kCount; ++i) {
    std::string container_id = id(i);  // here: id() names the pid, and the child has another
    auto child = spawn(CloneOptions{}, [&, i] {
      start.reset();
      char byte;
      (void)::read(wait_end.get(), &byte, 1);  // EOF: all start together
      // A socket of its own: replies on a shared one would go to either process.
      auto host = Netlink::open_in(host_.get());
      if (!host) return 1;
      return bridge_attach(host.value(), network_, container_id, containers[static_cast<size_t>(i)].get()) ? 0 : 2;
    });
    ASSERT_TRUE(child);
    children.push_back(std::move(child).value());
  }
  start.reset();
  for (auto& child : children) EXPECT_EQ(child.wait().value().shell_code(), 0);
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(link_json(host_.get(), "pk" + id(i).substr(0, 12))["master"], "pocker0") << i;
  }
  EXPECT_EQ(Ipam(network_.lease_dir, network_.subnet, network_.gateway).leases().value().size(),
            static_cast<size_t>(kCount));
}

// Listens on `port` of every address, says so on `ready`, echoes one
// message. Runs inside a container's namespace.
int echo_once(int ready, uint16_t port) {
  ::alarm(10);  // a broken network fails the test instead of hanging it
  int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return 2;
  if (::listen(server, 1) < 0) return 2;
  if (::write(ready, "r", 1) != 1) return 3;
  int conn = ::accept(server, nullptr, nullptr);
  char text[5];
  if (conn < 0 || ::read(conn, text, sizeof text) != 5 || ::write(conn, text, 5) != 5) return 4;
  return 0;
}

int connect_and_check(Ipv4 to, uint16_t port) {
  ::alarm(10);
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(to.value);
  if (::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return 5;
  char back[5];
  if (::write(client, "hello", 5) != 5 || ::read(client, back, 5) != 5) return 6;
  return std::string(back, 5) == "hello" ? 0 : 7;
}

TEST_F(BridgeNetworkTest, OneContainerReachesTheOtherOverTheBridge) {
  Fd a = make_netns().value(), b = make_netns().value();
  auto at_a = bridge_attach(*nl_, network_, id(1), a.get());
  auto at_b = bridge_attach(*nl_, network_, id(2), b.get());
  ASSERT_TRUE(at_a && at_b);
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  Fd ready_read(ready[0]), ready_write(ready[1]);
  auto server = spawn(CloneOptions{}, [&] {
    if (::setns(b.get(), CLONE_NEWNET) < 0) return 1;
    return echo_once(ready_write.get(), 8080);
  });
  ASSERT_TRUE(server);
  ready_write.reset();
  char byte;
  ASSERT_EQ(::read(ready_read.get(), &byte, 1), 1) << "the server in b never listened";
  Ipv4 b_address = at_b.value().address.address;
  EXPECT_EQ(run_in_netns(a.get(), [&] { return connect_and_check(b_address, 8080); }), 0);
  EXPECT_EQ(server.value().wait().value().shell_code(), 0);
}

}  // namespace
}  // namespace pocker
