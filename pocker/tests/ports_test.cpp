// -p values (pocker/ports.hpp), the nft script of a container's NAT
// (pocker/nat.hpp), and the reservation of host ports
// (pocker/forwarder.hpp). No root needed: nothing here touches nftables.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pocker/forwarder.hpp"
#include "pocker/manifest.hpp"
#include "pocker/nat.hpp"
#include "pocker/ports.hpp"

namespace pocker {
namespace {

PortMapping parsed(std::string_view text) {
  auto m = parse_publish(text);
  EXPECT_TRUE(m) << text << ": " << (m ? "" : m.error().message());
  return m ? m.value() : PortMapping{};
}

TEST(PublishTest, ReadsEveryFormDockerAccepts) {
  EXPECT_EQ(parsed("80"), (PortMapping{Ipv4{}, 0, 80, PortProtocol::kTcp}));
  EXPECT_EQ(parsed("8080:80"), (PortMapping{Ipv4{}, 8080, 80, PortProtocol::kTcp}));
  EXPECT_EQ(parsed("127.0.0.1:8080:80/udp"), (PortMapping{Ipv4{0x7f000001}, 8080, 80, PortProtocol::kUdp}));
  EXPECT_EQ(parsed("127.0.0.1::80"), (PortMapping{Ipv4{0x7f000001}, 0, 80, PortProtocol::kTcp}));
  EXPECT_EQ(parsed("0:53/udp"), (PortMapping{Ipv4{}, 0, 53, PortProtocol::kUdp}));
  EXPECT_EQ(parsed("65535:65535"), (PortMapping{Ipv4{}, 65535, 65535, PortProtocol::kTcp}));
}

TEST(PublishTest, RefusesWhatIsNotAPort) {
  for (const char* bad : {"70000", "0", "0:0", "80/sctp", "80/", "-1", "+80", "8o", "", ":80", "8080:",
                          "1.2.3:80:80", "localhost:80:80", "8000-8001:80", "80:80:80:80", " 80", "65536:80"}) {
    auto m = parse_publish(bad);
    EXPECT_FALSE(m) << "\"" << bad << "\" was accepted";
  }
  auto m = parse_publish("70000");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("70000"), std::string::npos) << m.error().message();
}

TEST(PublishTest, NamesBothSidesAsDockerDoes) {
  PortMapping m = parsed("127.0.0.1:8080:80/udp");
  EXPECT_EQ(container_port_key(m), "80/udp");
  EXPECT_EQ(host_endpoint(m), "127.0.0.1:8080");
  EXPECT_EQ(parse_exposed_port("53/udp").value(), (PortMapping{Ipv4{}, 0, 53, PortProtocol::kUdp}));
  EXPECT_FALSE(parse_exposed_port("8080:80"));
}

TEST(ExposedPortsTest, ImageConfigKeysAreCheckedAndNormalised) {
  const char* config = R"({"rootfs": {"type": "layers", "diff_ids": []},
                           "config": {"ExposedPorts": {"80": {}, "53/udp": {}, "80/tcp": {}}}})";
  auto c = parse_image_config(config);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c.value().exposed_ports, (std::vector<std::string>{"53/udp", "80/tcp"}));
  EXPECT_FALSE(parse_image_config(R"({"rootfs": {"type": "layers", "diff_ids": []},
                                      "config": {"ExposedPorts": {"99999/tcp": {}}}})"));
  EXPECT_FALSE(parse_image_config(R"({"rootfs": {"type": "layers", "diff_ids": []},
                                      "config": {"ExposedPorts": ["80/tcp"]}})"));
}

TEST(NatScriptTest, OneContainersRulesAllCarryItsName) {
  NatRules rules;
  rules.container_id = std::string(64, 'a');
  rules.subnet = Ipv4Net{Ipv4{0xac1d0000}, 16};
  rules.address = Ipv4{0xac1d0002};
  rules.ports = {parsed("8080:80"), parsed("127.0.0.1:9090:90"), parsed("10.1.2.3:53:53/udp")};
  std::string script = nat_add_script(rules);
  // Every rule line is named after the container, so a collector finds them all.
  size_t rule_lines = 0;
  for (size_t at = 0; (at = script.find("add rule", at)) != std::string::npos; ++at) {
    ++rule_lines;
    size_t end = script.find('\n', at);
    EXPECT_NE(script.substr(at, end - at).find("comment \"pocker:" + rules.container_id + "\""), std::string::npos);
  }
  // 8080 and 53 in prerouting and output, masquerade, hairpin; nothing for the loopback port.
  EXPECT_EQ(rule_lines, 6u) << script;
  EXPECT_NE(script.find("fib daddr type local tcp dport 8080 dnat to 172.29.0.2:80"), std::string::npos) << script;
  EXPECT_NE(script.find("ip daddr 10.1.2.3 udp dport 53 dnat to 172.29.0.2:53"), std::string::npos) << script;
  EXPECT_EQ(script.find("9090"), std::string::npos) << "a loopback port is the forwarder's:\n" << script;
  EXPECT_NE(script.find("ip saddr 172.29.0.2 ip daddr != 172.29.0.0/16 masquerade"), std::string::npos) << script;

  rules.masquerade = false;  // an internal network
  rules.ports.clear();
  script = nat_add_script(rules);
  EXPECT_EQ(script.find("add rule"), std::string::npos) << script;
}

TEST(ReservePortsTest, APortInUseIsAnErrorNamingIt) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const int port = ntohs(a.sin_port);
  auto reserved = reserve_ports({parsed("127.0.0.1::80"), parsed("127.0.0.1:" + std::to_string(port) + ":80")});
  ASSERT_FALSE(reserved);
  EXPECT_EQ(reserved.error().err(), EADDRINUSE);
  EXPECT_NE(reserved.error().message().find(std::to_string(port)), std::string::npos) << reserved.error().message();
  ::close(fd);
  // Free now; a chosen port comes back as bound.
  auto again = reserve_ports({parsed("127.0.0.1:" + std::to_string(port) + ":80"), parsed("127.0.0.1::81/udp")});
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again.value()[0].mapping.host_port, port);
  EXPECT_NE(again.value()[1].mapping.host_port, 0);
}

}  // namespace
}  // namespace pocker
