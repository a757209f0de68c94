// The rtnetlink layer (pocker/netlink.hpp) against the real kernel, with
// `ip -j` as the oracle. Each test makes its own network namespaces (a
// "host" one for the bridge and our end of a veth, a "container" one for
// the peer): nothing here touches the machine's own interfaces, and the
// namespaces vanish with their descriptors on every path.
#include <unistd.h>

#include <gtest/gtest.h>

#include "netns_helpers.hpp"
#include "pocker/netlink.hpp"

namespace pocker {
namespace {

using testing::has_flag;
using testing::ip_json;
using testing::link_json;
using testing::make_netns;

class NetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: creates network namespaces";
    if (!testing::have_ip()) GTEST_SKIP() << "needs iproute2's ip (the oracle of these tests)";
    host_ = make_netns().value();
    container_ = make_netns().value();
    auto socket = Netlink::open_in(host_.get());
    ASSERT_TRUE(socket) << socket.error().message();
    nl_.emplace(std::move(socket).value());
  }

  // A bridge and a veth whose peer `eth0` is in container_, enslaved.
  void make_veth() {
    ASSERT_TRUE(nl_->create_bridge(bridge_));
    auto master = nl_->link_index(bridge_);
    ASSERT_TRUE(master) << master.error().message();
    auto made = nl_->create_veth({veth_, "eth0", container_.get(), master.value()});
    ASSERT_TRUE(made) << made.error().message();
  }

  Fd host_, container_;
  std::optional<Netlink> nl_;
  // Unique per test process, so that even the host-side check below
  // cannot confuse them with another test's links.
  std::string bridge_ = fmt::format("br{}", ::getpid());
  std::string veth_ = fmt::format("vt{}", ::getpid());
};

TEST_F(NetlinkTest, CreatesABridgeAndSetsItUp) {
  ASSERT_TRUE(nl_->create_bridge(bridge_));
  auto link = link_json(host_.get(), bridge_);
  ASSERT_FALSE(link.is_null());
  EXPECT_EQ(link["linkinfo"]["info_kind"], "bridge");
  EXPECT_FALSE(has_flag(link, "UP"));
  ASSERT_TRUE(nl_->set_up(bridge_));
  EXPECT_TRUE(has_flag(link_json(host_.get(), bridge_), "UP"));
}

TEST_F(NetlinkTest, ASecondBridgeOfTheSameNameIsEexistNamingIt) {
  ASSERT_TRUE(nl_->create_bridge(bridge_));
  auto again = nl_->create_bridge(bridge_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().err(), EEXIST);
  EXPECT_NE(again.error().message().find("create bridge " + bridge_), std::string::npos)
      << again.error().message();
}

TEST_F(NetlinkTest, LinkIndexAgreesWithIp) {
  ASSERT_TRUE(nl_->create_bridge(bridge_));
  auto index = nl_->link_index(bridge_);
  ASSERT_TRUE(index) << index.error().message();
  EXPECT_EQ(link_json(host_.get(), bridge_)["ifindex"], index.value());
  auto missing = nl_->link_index("nosuch0");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().err(), ENODEV);
  EXPECT_NE(missing.error().message().find("nosuch0"), std::string::npos);
}

TEST_F(NetlinkTest, VethPeerIsBornInTheContainerAndOurEndEnslaved) {
  make_veth();
  auto ours = link_json(host_.get(), veth_);
  ASSERT_FALSE(ours.is_null());
  EXPECT_EQ(ours["linkinfo"]["info_kind"], "veth");
  EXPECT_EQ(ours["master"], bridge_);
  auto peer = link_json(container_.get(), "eth0");
  ASSERT_FALSE(peer.is_null());
  EXPECT_EQ(peer["linkinfo"]["info_kind"], "veth");
  EXPECT_TRUE(link_json(host_.get(), "eth0").is_null());
  EXPECT_TRUE(link_json(container_.get(), veth_).is_null());
  // Nor anywhere in the test's own (the machine's) namespace.
  EXPECT_TRUE(link_json(-1, veth_).is_null());
}

TEST_F(NetlinkTest, HairpinOnAndOffAsIpSeesIt) {
  make_veth();
  ASSERT_TRUE(nl_->set_hairpin(veth_, true));
  EXPECT_EQ(link_json(host_.get(), veth_)["linkinfo"]["info_slave_data"]["hairpin"], true);
  ASSERT_TRUE(nl_->set_hairpin(veth_, false));
  EXPECT_EQ(link_json(host_.get(), veth_)["linkinfo"]["info_slave_data"]["hairpin"], false);
}

TEST_F(NetlinkTest, AddressAndDefaultRouteInsideTheContainer) {
  make_veth();
  auto inside = Netlink::open_in(container_.get());
  ASSERT_TRUE(inside) << inside.error().message();
  ASSERT_TRUE(inside.value().set_up("eth0"));
  auto added = inside.value().add_address("eth0", parse_cidr("10.1.2.3/24").value());
  ASSERT_TRUE(added) << added.error().message();
  auto routed = inside.value().add_default_route(parse_ipv4("10.1.2.1").value());
  ASSERT_TRUE(routed) << routed.error().message();

  auto addrs = ip_json(container_.get(), {"-4", "addr", "show", "dev", "eth0"});
  ASSERT_TRUE(addrs.is_array() && addrs.size() == 1) << addrs.dump();
  auto& info = addrs[0]["addr_info"];
  ASSERT_EQ(info.size(), 1u) << addrs.dump();
  EXPECT_EQ(info[0]["local"], "10.1.2.3");
  EXPECT_EQ(info[0]["prefixlen"], 24);
  EXPECT_EQ(info[0]["broadcast"], "10.1.2.255");
  auto routes = ip_json(container_.get(), {"-4", "route", "show", "default"});
  ASSERT_TRUE(routes.is_array() && routes.size() == 1) << routes.dump();
  EXPECT_EQ(routes[0]["gateway"], "10.1.2.1");
  EXPECT_EQ(routes[0]["dev"], "eth0");

  auto twice = inside.value().add_address("eth0", parse_cidr("10.1.2.3/24").value());
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().err(), EEXIST);
  EXPECT_NE(twice.error().message().find("add address 10.1.2.3/24 to eth0"), std::string::npos);
}

TEST_F(NetlinkTest, RenamesThePeerInsideTheContainer) {
  ASSERT_TRUE(nl_->create_veth({veth_, "tmp0", container_.get(), 0}));
  auto inside = Netlink::open_in(container_.get());
  ASSERT_TRUE(inside);
  auto renamed = inside.value().rename("tmp0", "eth1");
  ASSERT_TRUE(renamed) << renamed.error().message();
  EXPECT_TRUE(link_json(container_.get(), "tmp0").is_null());
  EXPECT_FALSE(link_json(container_.get(), "eth1").is_null());
}

TEST_F(NetlinkTest, DeletingOurEndTakesThePeerToo) {
  make_veth();
  auto deleted = nl_->delete_link(veth_);
  ASSERT_TRUE(deleted) << deleted.error().message();
  EXPECT_TRUE(link_json(host_.get(), veth_).is_null());
  EXPECT_TRUE(link_json(container_.get(), "eth0").is_null());
  auto again = nl_->delete_link(veth_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().err(), ENODEV);
  EXPECT_NE(again.error().message().find("delete link " + veth_), std::string::npos);
}

TEST_F(NetlinkTest, ErrorsCarryErrnoAndTheName) {
  // A master that does not exist (EINVAL from kernel 6.x): our names in
  // the message, and nothing half-made.
  auto orphan = nl_->create_veth({veth_, "eth0", container_.get(), 999999});
  ASSERT_FALSE(orphan);
  EXPECT_NE(orphan.error().err(), 0);
  EXPECT_NE(orphan.error().message().find("create veth " + veth_ + " (peer eth0)"), std::string::npos)
      << orphan.error().message();
  EXPECT_TRUE(link_json(host_.get(), veth_).is_null());
  EXPECT_TRUE(link_json(container_.get(), "eth0").is_null());
  // A gateway on no subnet of ours: the kernel's ENETUNREACH, our gateway.
  auto route = nl_->add_default_route(parse_ipv4("10.77.0.1").value());
  ASSERT_FALSE(route);
  EXPECT_EQ(route.error().err(), ENETUNREACH);
  EXPECT_NE(route.error().message().find("add default route via 10.77.0.1"), std::string::npos)
      << route.error().message();
  // Too long for IFNAMSIZ: refused before the kernel is asked.
  auto long_name = nl_->create_bridge("a-name-of-16-chr");
  ASSERT_FALSE(long_name);
  EXPECT_EQ(long_name.error().err(), EINVAL);
  EXPECT_NE(long_name.error().message().find("a-name-of-16-chr"), std::string::npos);
}

}  // namespace
}  // namespace pocker
