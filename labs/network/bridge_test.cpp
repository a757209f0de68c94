// The default network: a container gets lo and eth0, an address on pocker0's subnet and a default
// route via the gateway; two containers reach each other by address; 20 at once get 20 addresses.
#include <set>
#include <string>
#include <vector>

#include "network/hints.hpp"
#include "network/network.hpp"

namespace {

using namespace lab::network;

// The interface names of `ip -o link` output ("2: eth0@if7: <...>" is eth0).
std::vector<std::string> link_names(const std::vector<std::string>& lines) {
  std::vector<std::string> names;
  for (const std::string& line : lines) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string name = line.substr(colon + 2);
    name = name.substr(0, name.find_first_of(":@"));
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The MAC addresses of the host's interfaces.
std::set<std::string> host_macs() {
  const lab::Outcome shown = lab::run({ip_binary(), "-j", "link", "show"});
  std::set<std::string> macs;
  const nlohmann::json links = nlohmann::json::parse(shown.out, nullptr, false);
  if (!links.is_array()) return macs;
  for (const nlohmann::json& link : links) macs.insert(link.value("address", ""));
  return macs;
}

using NetworkBridge = NetworkTest;

// Catches: the default left at `none` (only lo), an eth0 without an address or outside pocker0's
// subnet, no default route via the gateway, or the host's own interfaces showing inside.
TEST_F(NetworkBridge, DefaultHasEth0WithAddressAndRoute) {
  const lab::Outcome outcome = pocker.run(
      {"run", "--rm", "busybox", "sh", "-c",
       "ip -o link; echo ---; ip -o -4 addr show dev eth0; echo ---; ip route; echo ---; cat /sys/class/net/eth0/address"});
  LAB_ASSERT_STATUS(outcome, 0, kBridge);
  std::vector<std::vector<std::string>> parts(1);
  for (const std::string& line : lines_of(outcome.out)) {
    if (line == "---") {
      parts.emplace_back();
    } else {
      parts.back().push_back(line);
    }
  }
  ASSERT_EQ(parts.size(), 4u) << lab::describe(outcome);
  LAB_EXPECT((link_names(parts[0]) == std::vector<std::string>{"eth0", "lo"}),
             "exactly the interfaces lo and eth0 inside (`ip -o link`)", outcome, kBridge);
  const std::string addr = parts[1].empty() ? "" : parts[1][0];
  const size_t inet = addr.find("inet ");
  const std::string cidr = inet == std::string::npos ? "" : addr.substr(inet + 5, addr.find(' ', inet + 5) - inet - 5);
  const std::string ip = cidr.substr(0, cidr.find('/'));
  LAB_EXPECT(in_default_subnet(ip) && cidr.size() > 3 && cidr.substr(cidr.size() - 3) == "/16",
             "eth0 to have an address in 172.29.0.0/16 (prefix /16), not the gateway's", outcome, kBridge);
  bool route = false;
  for (const std::string& line : parts[2]) route = route || line.rfind("default via 172.29.0.1 dev eth0", 0) == 0;
  LAB_EXPECT(route, "a default route via 172.29.0.1 dev eth0", outcome, kBridge);
  const std::string mac = parts[3].empty() ? "" : parts[3][0];
  LAB_EXPECT(!mac.empty() && host_macs().count(mac) == 0,
             "eth0 to be an interface of the container's own, not one of the host's (its MAC " + mac + ")", outcome,
             kBridge);
}

// Catches: containers that get addresses but no path between them (the host end not on the
// bridge, or down; eth0 down), or the address in `inspect` not being the container's.
TEST_F(NetworkBridge, AReachesBByAddress) {
  const std::string b = lab::unique_name("b");
  const std::string page = "hello-from-" + b;
  const lab::Outcome started = pocker.run(
      {"run", "-d", "--name", b, "busybox", "sh", "-c",
       "mkdir /www && echo " + page + " > /www/index.html && exec httpd -f -p 8080 -h /www"});
  LAB_ASSERT_STATUS(started, 0, kBridge);
  const std::string ip = ip_of(pocker, b);
  ASSERT_TRUE(in_default_subnet(ip)) << "inspect " << b << ": NetworkSettings.IPAddress is \"" << ip
                                     << "\", want an address in 172.29.0.0/16\n  lesson: " << kBridge;
  // busybox wget with -T crashes: retry instead, while B's httpd starts.
  const lab::Outcome fetched = pocker.run(
      {"run", "--rm", "busybox", "sh", "-c",
       "for i in $(seq 50); do wget -qO- http://" + ip + ":8080/ 2>/dev/null && exit 0; sleep 0.1; done; exit 1"});
  LAB_EXPECT_STATUS(fetched, 0, kBridge);
  LAB_EXPECT_OUT_HAS(fetched, page, kBridge);
}

using NetworkIpam = NetworkTest;

// Catches: IPAM that does not look at the leases already taken (every container the same address),
// an address in `inspect` that is not the container's lease file, or runs that fail when they
// start together. (A missing lock shows only in a tight race: the unit test
// IpamTest.TwentyConcurrentAllocationsGetDistinctAddresses starts its twenty at one moment.)
TEST_F(NetworkIpam, TwentyConcurrentRunsGetTwentyAddresses) {
  constexpr int kCount = 20;
  std::vector<std::string> names;
  std::vector<lab::Background> runs;
  for (int i = 0; i < kCount; ++i) {
    names.push_back(lab::unique_name("c" + std::to_string(i)));
    runs.emplace_back(pocker.command({"run", "-d", "--name", names.back(), "busybox", "sleep", "120"}));
  }
  for (auto& running : runs) {
    const lab::Outcome outcome = running.wait();
    LAB_EXPECT_STATUS(outcome, 0, kIpam);
  }
  std::set<std::string> addresses;
  for (const std::string& name : names) {
    const std::string id = id_of(pocker, name);
    const std::string ip = ip_of(pocker, name);
    EXPECT_TRUE(in_default_subnet(ip)) << name << " has address \"" << ip << "\"\n  lesson: " << kIpam;
    EXPECT_EQ(leases_of(id), std::vector<std::string>{ip})
        << "the lease files in " << kLeaseDir << " for " << name << "\n  lesson: " << kIpam;
    addresses.insert(ip);
  }
  EXPECT_EQ(addresses.size(), static_cast<size_t>(kCount))
      << kCount << " containers running at once must have " << kCount << " distinct addresses\n  lesson: " << kIpam;
}

}  // namespace
