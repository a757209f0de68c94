// IPv4 parsing (pocker/ipv4.hpp) and the lease files of IPAM
// (pocker/ipam.hpp), in a temporary directory: no root, no network.
#include <fcntl.h>
#include <unistd.h>

#include <set>

#include <gtest/gtest.h>

#include "pocker/fd.hpp"
#include "pocker/fs.hpp"
#include "pocker/ipam.hpp"
#include "pocker/process.hpp"

namespace pocker {
namespace {

Ipv4 ip(const char* text) { return parse_ipv4(text).value(); }
Ipv4Net net(const char* text) { return parse_cidr(text).value(); }

TEST(Ipv4, ParsesTheCanonicalFormAndPrintsItBack) {
  for (const char* text : {"0.0.0.0", "10.1.2.3", "255.255.255.255", "172.29.0.1", "192.0.2.200"}) {
    auto parsed = parse_ipv4(text);
    ASSERT_TRUE(parsed) << text << ": " << parsed.error().message();
    EXPECT_EQ(to_string(parsed.value()), text);
  }
  EXPECT_EQ(ip("10.1.2.3").value, 0x0a010203u);
}

TEST(Ipv4, RefusesEverythingElse) {
  for (const char* text : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "010.0.0.1", "1.2.3.-4", "+1.2.3.4",
                           " 1.2.3.4", "1.2.3.4 ", "1..3.4", "1.2.3.", "a.b.c.d", "1.2.3.0x4", "1.2.3.4/24",
                           "1000.2.3.4", "00.1.2.3"}) {
    auto parsed = parse_ipv4(text);
    ASSERT_FALSE(parsed) << '"' << text << '"';
    EXPECT_NE(parsed.error().message().find(std::string("\"") + text + "\""), std::string::npos)
        << parsed.error().message();
  }
}

TEST(Ipv4, CidrStrict) {
  auto parsed = parse_cidr("10.0.0.2/24");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed.value().prefix, 24);
  EXPECT_EQ(to_string(parsed.value()), "10.0.0.2/24");
  EXPECT_TRUE(parse_cidr("0.0.0.0/0"));
  EXPECT_TRUE(parse_cidr("1.2.3.4/32"));
  for (const char* text : {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/024", "10.0.0.0/-1", "/24",
                           "10.0.0.0/24/1", "10.0.0/24", "10.0.0.0/2x", "10.0.0.0/ 24"}) {
    EXPECT_FALSE(parse_cidr(text)) << text;
  }
}

TEST(Ipv4, SubnetRefusesHostBitsAndNamesTheSubnet) {
  EXPECT_TRUE(parse_subnet("172.29.0.0/16"));
  auto bad = parse_subnet("172.29.0.1/16");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("172.29.0.0/16"), std::string::npos) << bad.error().message();
}

TEST(Ipv4, SubnetArithmetic) {
  Ipv4Net n = net("10.1.2.3/24");
  EXPECT_EQ(n.mask(), 0xffffff00u);
  EXPECT_EQ(to_string(n.network()), "10.1.2.0");
  EXPECT_EQ(to_string(n.broadcast()), "10.1.2.255");
  EXPECT_TRUE(n.contains(ip("10.1.2.200")));
  EXPECT_FALSE(n.contains(ip("10.1.3.0")));
  EXPECT_EQ(net("0.0.0.0/0").mask(), 0u);
  EXPECT_TRUE(net("0.0.0.0/0").contains(ip("203.0.113.9")));
  EXPECT_TRUE(net("10.0.0.0/8").overlaps(net("10.1.0.0/16")));
  EXPECT_TRUE(net("10.1.0.0/16").overlaps(net("10.0.0.0/8")));
  EXPECT_FALSE(net("10.0.0.0/24").overlaps(net("10.0.1.0/24")));
}

class IpamTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("/tmp/pocker-ipam-test-").value(); }
  void TearDown() override { (void)remove_tree(dir_); }

  Ipam ipam(const char* subnet, const char* gateway) { return Ipam(dir_, net(subnet), ip(gateway)); }
  std::string file(const std::string& name) {
    auto text = read_file(dir_ + "/" + name);
    return text ? text.value() : "<none>";
  }

  std::string dir_;
};

TEST_F(IpamTest, SkipsNetworkGatewayAndBroadcast) {
  Ipam pool = ipam("10.9.0.0/29", "10.9.0.1");
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) got.push_back(to_string(pool.allocate(fmt::format("c{}", i)).value()));
  EXPECT_EQ(got, (std::vector<std::string>{"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"}));
  auto full = pool.allocate("c5");
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().err(), ENOSPC);
  EXPECT_NE(full.error().message().find("10.9.0.0/29"), std::string::npos);
}

TEST_F(IpamTest, ASlash30HasOneAddressForAContainer) {
  Ipam pool = ipam("10.9.0.0/30", "10.9.0.1");
  EXPECT_EQ(to_string(pool.allocate("a").value()), "10.9.0.2");
  EXPECT_FALSE(pool.allocate("b"));
  EXPECT_FALSE(ipam("10.9.0.0/31", "10.9.0.1").allocate("c"));
}

TEST_F(IpamTest, AGatewayAnywhereInTheSubnetIsSkipped) {
  Ipam pool = ipam("10.9.0.0/29", "10.9.0.2");
  EXPECT_EQ(to_string(pool.allocate("a").value()), "10.9.0.1");
  EXPECT_EQ(to_string(pool.allocate("b").value()), "10.9.0.3");
}

TEST_F(IpamTest, TheLeaseFileHoldsTheContainerId) {
  Ipam pool = ipam("10.9.0.0/24", "10.9.0.1");
  ASSERT_TRUE(pool.allocate("abc123"));
  EXPECT_EQ(file("10.9.0.2"), "abc123\n");
  auto leases = pool.leases().value();
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].container_id, "abc123");
}

TEST_F(IpamTest, ReleaseFreesTheAddressAndMayBeRepeated) {
  Ipam pool = ipam("10.9.0.0/24", "10.9.0.1");
  Ipv4 first = pool.allocate("a").value();
  ASSERT_TRUE(pool.allocate("b"));
  ASSERT_TRUE(pool.release(first));
  EXPECT_EQ(file("10.9.0.2"), "<none>");
  EXPECT_TRUE(pool.release(first));  // already free: still fine
  EXPECT_EQ(pool.allocate("c").value(), first);
}

TEST_F(IpamTest, ReleaseContainerFreesOnlyItsLeases) {
  Ipam pool = ipam("10.9.0.0/24", "10.9.0.1");
  ASSERT_TRUE(pool.allocate("a"));
  ASSERT_TRUE(pool.allocate("b"));
  ASSERT_TRUE(pool.reserve(ip("10.9.0.100"), "a"));
  ASSERT_TRUE(pool.release_container("a"));
  auto leases = pool.leases().value();
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].container_id, "b");
}

TEST_F(IpamTest, ReserveTakesOneAddressOnce) {
  Ipam pool = ipam("10.9.0.0/24", "10.9.0.1");
  ASSERT_TRUE(pool.reserve(ip("10.9.0.7"), "a"));
  auto twice = pool.reserve(ip("10.9.0.7"), "b");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().err(), EEXIST);
  for (const char* bad : {"10.9.0.0", "10.9.0.1", "10.9.0.255", "10.9.1.7"}) {
    EXPECT_FALSE(pool.reserve(ip(bad), "c")) << bad;
  }
  EXPECT_EQ(file("10.9.0.7"), "a\n");
}

TEST_F(IpamTest, CollectFreesLeasesOfGoneContainersAndHalfWrittenOnes) {
  Ipam pool = ipam("10.9.0.0/24", "10.9.0.1");
  ASSERT_TRUE(pool.allocate("alive"));
  ASSERT_TRUE(pool.allocate("dead"));
  // What a pocker killed between create and write leaves.
  ASSERT_TRUE(write_file_atomic(dir_ + "/10.9.0.50", ""));
  auto freed = pool.collect([](const std::string& id) { return id == "alive"; });
  ASSERT_TRUE(freed) << freed.error().message();
  EXPECT_EQ(freed.value(), 2);
  auto leases = pool.leases().value();
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].container_id, "alive");
}

// A held lease is its pocker alive: never collected, whatever `alive`
// says; once the holder's descriptor goes (the process died), it is.
TEST_F(IpamTest, HeldLeaseIsNeverCollectedUntilItsHolderGoes) {
  Ipam pool = ipam("10.9.0.0/24", "10.9.0.1");
  Fd hold;
  ASSERT_TRUE(pool.allocate("running", &hold));
  ASSERT_TRUE(hold);
  ASSERT_TRUE(pool.allocate("dead"));
  auto leases = pool.leases().value();
  ASSERT_EQ(leases.size(), 2u);
  EXPECT_TRUE(leases[0].held);
  EXPECT_FALSE(leases[1].held);
  bool asked_about_held = false;
  auto freed = pool.collect([&](const std::string& id) {
    asked_about_held = asked_about_held || id == "running";
    return false;
  });
  ASSERT_TRUE(freed) << freed.error().message();
  EXPECT_EQ(freed.value(), 1);
  EXPECT_FALSE(asked_about_held);
  ASSERT_EQ(pool.leases().value().size(), 1u);
  hold.reset();  // as the kernel does for a killed holder
  EXPECT_EQ(pool.collect([](const std::string&) { return false; }).value(), 1);
  EXPECT_TRUE(pool.leases().value().empty());
}

// Twenty processes started at one moment, as twenty `pocker run`s would
// be: each must get an address of its own.
TEST_F(IpamTest, TwentyConcurrentAllocationsGetDistinctAddresses) {
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  Fd wait_end(go[0]), start(go[1]);
  std::vector<Child> children;
  for (int i = 0; i < 20; ++i) {
    auto child = spawn(CloneOptions{}, [&, i] {
      start.reset();
      char byte;
      (void)::read(wait_end.get(), &byte, 1);  // EOF: all start together
      return ipam("10.9.0.0/24", "10.9.0.1").allocate(fmt::format("c{}", i)) ? 0 : 1;
    });
    ASSERT_TRUE(child);
    children.push_back(std::move(child).value());
  }
  start.reset();
  for (auto& child : children) EXPECT_EQ(child.wait().value().shell_code(), 0);
  auto leases = ipam("10.9.0.0/24", "10.9.0.1").leases().value();
  ASSERT_EQ(leases.size(), 20u);
  std::set<std::string> ids;
  for (const Lease& lease : leases) ids.insert(lease.container_id);
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(to_string(leases.front().address), "10.9.0.2");
  EXPECT_EQ(to_string(leases.back().address), "10.9.0.21");
}

}  // namespace
}  // namespace pocker
