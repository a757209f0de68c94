// Outbound NAT and the clean-up of NAT state. A test-made "upstream" namespace stands for the
// outside world: a server on an address of its own (198.18.N.2, a benchmarking range no real
// network uses), routed from the host. A bridge container reaches it through masquerade, and the
// server sees the host's address; with the container's masquerade rule taken away it sees the
// container's own. Bad -p values exit 125 and make nothing; a SIGKILLed pocker's rules and ports
// are collected by the next command.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "network/hints.hpp"
#include "network/ports.hpp"

namespace {

using namespace lab::network;
using NetworkNat = NatTest;

// An upstream namespace: `ip netns add`, a veth pair (host end pkuXXXX 198.18.N.1/30, the other
// end inside as 198.18.N.2/30) and a route back to pocker's subnet (so that an unmasqueraded
// packet still gets its answer: the lab then shows which address the server saw). Removed, with
// its veth, when destroyed.
class Upstream {
 public:
  Upstream() {
    const int n = 1 + static_cast<int>(::getpid() % 250);
    name_ = "pku" + std::to_string(::getpid());
    host_end_ = "pkuh" + std::to_string(::getpid() % 100000);
    host_ip_ = "198.18." + std::to_string(n) + ".1";
    ip_ = "198.18." + std::to_string(n) + ".2";
    const std::string ip = ip_binary();
    ok_ = lab::run({ip, "netns", "add", name_}).status == 0 &&
          lab::run({ip, "link", "add", host_end_, "type", "veth", "peer", "name", "up0", "netns", name_}).status == 0 &&
          lab::run({ip, "addr", "add", host_ip_ + "/30", "dev", host_end_}).status == 0 &&
          lab::run({ip, "link", "set", host_end_, "up"}).status == 0 &&
          lab::run({ip, "-n", name_, "addr", "add", ip_ + "/30", "dev", "up0"}).status == 0 &&
          lab::run({ip, "-n", name_, "link", "set", "up0", "up"}).status == 0 &&
          lab::run({ip, "-n", name_, "link", "set", "lo", "up"}).status == 0 &&
          lab::run({ip, "-n", name_, "route", "add", "172.29.0.0/16", "via", host_ip_}).status == 0;
  }
  ~Upstream() {
    server_.reset();
    lab::run({ip_binary(), "netns", "del", name_});  // the veth pair goes with it
    lab::run({ip_binary(), "link", "del", host_end_});
  }
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  bool ok() const { return ok_; }
  const std::string& ip() const { return ip_; }
  const std::string& host_ip() const { return host_ip_; }

  // busybox httpd inside on ip():8080, whose /cgi-bin/ip says the caller's address.
  bool serve(const std::string& dir) {
    std::filesystem::create_directories(dir + "/cgi-bin");
    std::ofstream(dir + "/cgi-bin/ip") << "#!/bin/sh\necho Content-Type: text/plain\necho\necho $REMOTE_ADDR\n";
    std::filesystem::permissions(dir + "/cgi-bin/ip", std::filesystem::perms::owner_all);
    server_ = std::make_unique<lab::Background>(std::vector<std::string>{
        ip_binary(), "netns", "exec", name_, "/bin/busybox", "httpd", "-f", "-p", ip_ + ":8080", "-h", dir});
    return true;
  }

 private:
  std::string name_, host_end_, host_ip_, ip_;
  bool ok_ = false;
  std::unique_ptr<lab::Background> server_;
};

// The handle of the container's masquerade rule in table ip pocker, or "".
std::string masquerade_handle(const std::string& id) {
  const lab::Outcome listed = lab::run({nft_binary(), "-a", "list", "chain", "ip", "pocker", "postrouting"});
  for (const std::string& line : lines_of(listed.out)) {
    if (line.find("pocker:" + id) == std::string::npos || line.find("ip daddr != ") == std::string::npos) continue;
    const size_t at = line.rfind("# handle ");
    if (at != std::string::npos) return line.substr(at + 9);
  }
  return "";
}

// Catches: no masquerade (the outside sees, and must route back to, a private address it cannot
// know) or no ip_forward (nothing leaves at all). The second half takes the container's
// masquerade rule away and shows the difference.
TEST_F(NetworkNat, OutboundTrafficIsMasqueraded) {
  if (!std::filesystem::exists("/bin/busybox")) GTEST_SKIP() << "needs the host's static busybox for the upstream server";
  Upstream upstream;
  ASSERT_TRUE(upstream.ok()) << "could not make the upstream namespace";
  ASSERT_TRUE(upstream.serve(pocker.root() + "/upstream-www"));
  const std::string name = lab::unique_name("out");
  LAB_ASSERT_STATUS(pocker.run({"run", "-d", "--name", name, "busybox", "sleep", "120"}), 0, kNat);
  const std::string id = id_of(pocker, name);
  const std::string container_ip = ip_of(pocker, name);
  const std::string url = "http://" + upstream.ip() + ":8080/cgi-bin/ip";
  const std::string fetch = "for i in $(seq 30); do wget -qO- " + url + " 2>/dev/null && exit 0; sleep 0.1; done; exit 1";
  const lab::Outcome masqueraded = pocker.run({"exec", name, "sh", "-c", fetch});
  LAB_EXPECT_STATUS(masqueraded, 0, kNat);
  LAB_EXPECT(plain_address(masqueraded.out) == upstream.host_ip(),
             "the upstream server sees the host's address " + upstream.host_ip() + " (masquerade)", masqueraded, kNat);

  const std::string handle = masquerade_handle(id);
  ASSERT_FALSE(handle.empty()) << "no masquerade rule of " << id << " in table ip pocker\n  lesson: " << kNat;
  ASSERT_EQ(lab::run({nft_binary(), "delete", "rule", "ip", "pocker", "postrouting", "handle", handle}).status, 0);
  const lab::Outcome plain = pocker.run({"exec", name, "sh", "-c", fetch});
  LAB_EXPECT(plain_address(plain.out) == container_ip,
             "without the masquerade rule the server sees the container's own address " + container_ip, plain, kNat);
}

// Catches: -p values checked only after the container (or a rule) exists, or a port in use
// silently taken over by DNAT.
TEST_F(NetworkNat, BadPublishExitsWith125AndMakesNothing) {
  HeldPort held;
  ASSERT_GT(held.port(), 0);
  const std::string in_use = "127.0.0.1:" + std::to_string(held.port()) + ":80";
  const std::vector<std::vector<std::string>> cases = {
      {"-p", "70000"},
      {"-p", "0:0"},
      {"-p", "80/sctp"},
      {"-p", "8o"},
      {"-p", "127.0.0.1::53/udp"},
      {"-p", in_use},
      {"--network", "none", "-p", "80"},
      {"--network", "host", "-p", "80"},
      {"--network", "container:nothere", "-p", "80"},
  };
  for (const auto& flags : cases) {
    std::vector<std::string> args = {"run", "--name", lab::unique_name("bad")};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"busybox", "true"});
    const lab::Outcome refused = pocker.run(args);
    LAB_EXPECT_STATUS(refused, 125, kPortsInput);
    LAB_EXPECT_POCKER_ERROR(refused, "", kPortsInput);
    const lab::Outcome listed = pocker.run({"ps", "-a", "-q"});
    LAB_EXPECT(listed.out.empty(), "no container left by `" + lab::shell_quote(args) + "`", refused, kPortsInput);
  }
}

// Catches: NAT rules of a SIGKILLed pocker that stay for good (its container is gone, but DNAT
// still sends the port's traffic to an address the next container may get).
TEST_F(NetworkNat, KilledRunWithPublishedPortIsCollectedByNextCommand) {
  const std::string name = lab::unique_name("k");
  lab::Background running(pocker.command(web_server({"--name", name, "-p", "80"})));
  std::string id;
  ASSERT_TRUE(eventually([&] { return !(id = id_of(pocker, name)).empty() && host_port_of(pocker, name) > 0; }, 10s))
      << "the container did not start: " << running.err();
  const int port = host_port_of(pocker, name);
  EXPECT_FALSE(nat_rules_of(id).empty()) << "while it runs, its rules are in table ip pocker";
  running.signal(SIGKILL);
  const lab::Outcome killed = running.wait();
  lab::Outcome next;
  const bool collected = eventually(
      [&] {
        next = pocker.run({"ps", "-a"});
        return nat_rules_of(id).empty();
      },
      5s);
  LAB_EXPECT(collected, "no rule of pocker:" + id + " after the SIGKILL and a later pocker command", next, kPortsCleanup);
  LAB_EXPECT(tcp_port_free("0.0.0.0", port), "host port " + std::to_string(port) + " free once its pocker is gone", next,
             kPortsCleanup);
}

}  // namespace
