// Names: each container's /etc/hosts, /etc/hostname and /etc/resolv.conf; the network's DNS
// responder finds containers started later, and forwards other names to the host's resolvers (here
// a resolver the test runs itself on a loopback address, shown to pocker through a private
// /etc/resolv.conf in a mount namespace of the test's own: never the host's real resolvers).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "network/hints.hpp"
#include "network/user_network.hpp"

namespace {

using namespace lab::network;
using NetworkNames = NetworkTest;

// Catches: /etc/hosts without the container's own name, aliases or --add-host lines; a
// resolv.conf that does not point at the network's responder, or ignores --dns.
TEST_F(NetworkNames, HostsHostnameAndResolvConf) {
  const std::string net = lab::unique_name("net");
  ASSERT_FALSE(create_network(pocker, net).empty());
  const std::string gateway = gateway_of(pocker, net);
  const std::string name = lab::unique_name("named");
  const lab::Outcome got = pocker.run({"run", "--rm", "--name", name, "-h", "myhost", "--network", net,
                                       "--network-alias", "other", "--add-host", "extra.test:10.9.8.7", "busybox",
                                       "sh", "-c", "cat /etc/hosts /etc/hostname /etc/resolv.conf; ip -o -4 addr"});
  LAB_ASSERT_STATUS(got, 0, kNames);
  const std::string ip = address_in(got.out);
  LAB_EXPECT(got.out.find(ip + "\tmyhost " + name + " other\n") != std::string::npos,
             "/etc/hosts maps " + ip + " to myhost, " + name + " and other", got, kNames);
  LAB_EXPECT(got.out.find("10.9.8.7\textra.test\n") != std::string::npos, "/etc/hosts has the --add-host entry", got,
             kNames);
  LAB_EXPECT(got.out.find("\nmyhost\n") != std::string::npos, "/etc/hostname is myhost", got, kNames);
  LAB_EXPECT(got.out.find("nameserver " + gateway + "\n") != std::string::npos,
             "/etc/resolv.conf names the network's responder at " + gateway, got, kNames);
  const lab::Outcome dns = pocker.run({"run", "--rm", "--network", net, "--dns", "10.1.1.1", "busybox", "cat",
                                       "/etc/resolv.conf"});
  LAB_EXPECT(dns.status == 0 && dns.out.find("nameserver 10.1.1.1\n") != std::string::npos &&
                 dns.out.find(gateway) == std::string::npos,
             "--dns 10.1.1.1 replaces the responder", dns, kNames);
  // The default bridge: the host's resolvers, never one on the host's loopback (unreachable inside).
  const lab::Outcome standard = pocker.run({"run", "--rm", "busybox", "cat", "/etc/resolv.conf"});
  LAB_EXPECT(standard.status == 0 && standard.out.find("nameserver 127.") == std::string::npos,
             "no 127.x nameserver on the default bridge", standard, kNames);
}

// Catches: a responder that learns names only when it starts (a table read once).
TEST_F(NetworkNames, ContainerStartedLaterIsFound) {
  const std::string net = lab::unique_name("net");
  const std::string id = create_network(pocker, net);
  ASSERT_FALSE(id.empty());
  const std::string first = lab::unique_name("first");
  LAB_ASSERT_STATUS(pocker.run({"run", "-d", "--name", first, "--network", net, "busybox", "sleep", "120"}), 0,
                    kNames);
  EXPECT_TRUE(dns_responder_runs(id)) << "the network's DNS responder runs once a container is on it\n  lesson: "
                                      << kNames;
  const std::string later = lab::unique_name("later");
  LAB_ASSERT_STATUS(pocker.run({"run", "-d", "--name", later, "--network", net, "--network-alias", "late-alias",
                                "busybox", "sleep", "120"}),
                    0, kNames);
  const std::string later_ip = ip_of(pocker, later);
  for (const std::string& query : {later, std::string("late-alias")}) {
    const lab::Outcome got = pocker.run({"exec", first, "nslookup", query});
    LAB_EXPECT(got.out.find("Address: " + later_ip) != std::string::npos,
               "the first container resolves " + query + " (started later) to " + later_ip, got, kNames);
  }
  // The attacker's view from another network: its own responder does not know the name.
  const std::string other = lab::unique_name("other");
  ASSERT_FALSE(create_network(pocker, other).empty());
  const lab::Outcome foreign = pocker.run({"run", "--rm", "--network", other, "busybox", "nslookup", later});
  LAB_EXPECT(foreign.out.find(later_ip) == std::string::npos, "a container on another network does NOT resolve " + later,
             foreign, kNames);
  LAB_ASSERT_STATUS(pocker.run({"rm", "-f", first, later}), 0, kNames);
  LAB_EXPECT(eventually([&] { return !dns_responder_runs(id); }, 3s),
             "the responder gone within 3 s once the network has no containers", pocker.run({"ps", "-a"}), kNames);
}

// A resolver of the test's own on 127.77.X.Y:53 that answers every A question with 10.1.2.3.
class FakeUpstream {
 public:
  FakeUpstream() {
    const int n = static_cast<int>(::getpid());
    address_ = "127.77." + std::to_string((n >> 8) & 0xff) + "." + std::to_string((n & 0xff) | 1);
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(53);
    ::inet_pton(AF_INET, address_.c_str(), &at.sin_addr);
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0;
    if (bound_) thread_ = std::thread([this] { serve(); });
  }
  ~FakeUpstream() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  bool bound() const { return bound_; }
  const std::string& address() const { return address_; }
  int questions() const { return questions_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      unsigned char q[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t got = ::recvfrom(fd_, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (got < 17) continue;
      ++questions_;
      std::vector<unsigned char> r(q, q + got);
      const bool a = q[got - 4] == 0 && q[got - 3] == 1;
      r[2] = 0x81;
      r[3] = 0x80;
      r[7] = a ? 1 : 0;
      r[8] = r[9] = r[10] = r[11] = 0;
      if (a) {
        const unsigned char answer[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3};
        r.insert(r.end(), answer, answer + sizeof answer);
      }
      ::sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  std::string address_;
  int fd_ = -1;
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> questions_{0};
  std::thread thread_;
};

// Catches: a responder that answers only its own names, so a container on a user network cannot
// resolve anything else; or one that asks a resolver other than the host's resolv.conf names.
TEST_F(NetworkNames, UnknownNamesForwardedToHostResolvers) {
  if (::access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "needs util-linux's unshare";
  FakeUpstream upstream;
  ASSERT_TRUE(upstream.bound()) << "bind " << upstream.address() << ":53 for the test's own resolver";
  lab::TempDir dir("pocker-resolv");
  const std::string resolv = dir.path() + "/resolv.conf";
  std::ofstream(resolv) << "nameserver " << upstream.address() << "\n";
  const std::string net = lab::unique_name("net");
  ASSERT_FALSE(create_network(pocker, net).empty());
  // pocker (and the responder it starts) sees the test's resolv.conf, in a mount namespace of its own.
  std::vector<std::string> argv{"/usr/bin/unshare", "-m", "--propagation", "private", "sh", "-c",
                                "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"", resolv};
  for (const std::string& word :
       pocker.command({"run", "--rm", "--network", net, "busybox", "nslookup", "outside.example"})) {
    argv.push_back(word);
  }
  const lab::Outcome got = lab::run(argv);
  LAB_EXPECT(got.out.find("Address: 10.1.2.3") != std::string::npos,
             "outside.example resolved through the host's resolver (the test's, at " + upstream.address() + ")", got,
             kNames);
  EXPECT_GT(upstream.questions(), 0) << "the test's resolver was asked\n  lesson: " << kNames;
}

}  // namespace
