// The DNS message format (pocker/dns.hpp), the /etc files of a container
// (pocker/names.hpp) and user-network veth names: pure functions, no root.
#include <gtest/gtest.h>

#include <algorithm>

#include "pocker/bridge_network.hpp"
#include "pocker/dns.hpp"
#include "pocker/names.hpp"
#include "pocker/user_network.hpp"

namespace pocker {
namespace {

// A query as busybox nslookup sends it: id 0x1234, RD, one question for
// `name`, type `type`, class IN.
std::vector<uint8_t> query(const std::string& name, uint16_t type = kDnsA) {
  std::vector<uint8_t> m{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    m.push_back(static_cast<uint8_t>(dot - start));
    for (size_t i = start; i < dot; ++i) m.push_back(static_cast<uint8_t>(name[i]));
    start = dot + 1;
  }
  m.push_back(0);
  m.insert(m.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  return m;
}

TEST(DnsMessage, ParsesAQuestion) {
  auto q = parse_dns_query(query("Web.Shop"));
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q.value().id, 0x1234);
  EXPECT_EQ(q.value().name, "web.shop");  // lower case: names are not case-sensitive
  EXPECT_EQ(q.value().type, kDnsA);
  EXPECT_EQ(q.value().qclass, 1);
  EXPECT_EQ(q.value().end, query("Web.Shop").size());
}

TEST(DnsMessage, RefusesBrokenQueries) {
  EXPECT_FALSE(parse_dns_query({0x12, 0x34}));  // shorter than a header
  auto response = query("web");
  response[2] |= 0x80;  // QR: a response
  EXPECT_FALSE(parse_dns_query(response));
  auto truncated = query("web");
  truncated.resize(truncated.size() - 3);  // type and class cut
  EXPECT_FALSE(parse_dns_query(truncated));
  auto label = query("web");
  label[12] = 40;  // a label longer than the message
  EXPECT_FALSE(parse_dns_query(label));
  auto pointer = query("web");
  pointer[12] = 0xc0;  // compression in a question
  EXPECT_FALSE(parse_dns_query(pointer));
}

TEST(DnsMessage, AnswersWithARecords) {
  auto q = query("db");
  auto question = parse_dns_query(q).value();
  auto r = dns_response(q, question, {parse_ipv4("10.210.0.2").value(), parse_ipv4("10.210.0.3").value()});
  ASSERT_EQ(r.size(), q.size() + 2 * 16);
  EXPECT_EQ(r[0], 0x12);
  EXPECT_EQ(r[1], 0x34);
  EXPECT_EQ(r[2], 0x81);  // QR, RD copied
  EXPECT_EQ(r[3], 0x80);  // RA, NOERROR
  EXPECT_EQ(r[5], 1);     // one question
  EXPECT_EQ(r[7], 2);     // two answers
  // The question copied, then the first answer: pointer to byte 12, A, IN, TTL 0, 4 bytes.
  EXPECT_TRUE(std::equal(q.begin() + 12, q.end(), r.begin() + 12));
  const std::vector<uint8_t> first(r.begin() + static_cast<long>(q.size()), r.begin() + static_cast<long>(q.size()) + 16);
  EXPECT_EQ(first, (std::vector<uint8_t>{0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 210, 0, 2}));
}

TEST(DnsMessage, NameErrorHasNoAnswer) {
  auto q = query("nosuch");
  auto r = dns_response(q, parse_dns_query(q).value(), {}, kDnsNxDomain);
  ASSERT_EQ(r.size(), q.size());
  EXPECT_EQ(r[3] & 0x0f, kDnsNxDomain);
  EXPECT_EQ(r[7], 0);
}

TEST(Names, HostsFileHasOwnNameAliasesAndExtraHosts) {
  HostsFile hosts;
  hosts.hostname = "webhost";
  hosts.names = {"web", "frontend"};
  hosts.address = parse_ipv4("10.210.0.3").value();
  hosts.extra = {parse_add_host("printer.lan:10.9.9.9").value()};
  EXPECT_EQ(hosts_file_text(hosts),
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            "10.210.0.3\twebhost web frontend\n10.9.9.9\tprinter.lan\n");
}

TEST(Names, AddHostIsChecked) {
  EXPECT_FALSE(parse_add_host("noaddress"));
  EXPECT_FALSE(parse_add_host("host:10.1"));
  EXPECT_FALSE(parse_add_host("bad name:10.1.1.1"));
  EXPECT_FALSE(parse_add_host(":10.1.1.1"));
  EXPECT_TRUE(parse_add_host("db.internal:10.1.1.1"));
}

TEST(Names, ResolvConfDropsLoopbackResolvers) {
  const std::string host = "search example.org\nnameserver 127.0.0.53\nnameserver 192.0.2.53\n";
  EXPECT_EQ(resolv_conf_text({}, std::nullopt, host), "search example.org\nnameserver 192.0.2.53\n");
  EXPECT_EQ(resolv_conf_text({}, parse_ipv4("10.210.0.1").value(), host),
            "search example.org\nnameserver 10.210.0.1\n");
  EXPECT_EQ(resolv_conf_text({parse_ipv4("10.1.1.1").value()}, parse_ipv4("10.210.0.1").value(), host),
            "search example.org\nnameserver 10.1.1.1\n");
}

TEST(UserNetwork, NamesAreHostUniqueAndShort) {
  const std::string container(64, 'a');
  const std::string net1 = std::string(63, '1') + "0", net2 = std::string(63, '2') + "0";
  auto v1 = veth_name(container, net1).value(), v2 = veth_name(container, net2).value();
  EXPECT_EQ(v1.size(), 14u);
  EXPECT_EQ(v1.rfind("pv", 0), 0u);
  EXPECT_NE(v1, v2);  // one container, two networks: two veths
  EXPECT_EQ(veth_name(container, "").value(), "pkaaaaaaaaaaaa");
  UserNetwork n;
  n.id = net1;
  EXPECT_EQ(n.bridge(), "pb111111111111");
  EXPECT_LE(n.bridge().size(), 15u);
}

TEST(UserNetwork, NamesAreChecked) {
  EXPECT_TRUE(check_network_name("shop-1.a_b"));
  for (const char* bad : {"", "-x", "bridge", "host", "none", "a/b", "a b"}) {
    EXPECT_FALSE(check_network_name(bad)) << bad;
  }
}

}  // namespace
}  // namespace pocker
