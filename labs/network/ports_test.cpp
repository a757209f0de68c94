// Published ports: -p 127.0.0.1::80 answers from the host through the forwarder; a port on every
// address is reached through DNAT (the server sees the caller's own address, not the forwarder's);
// a container reaches its own published port through the host (hairpin); `pocker port` prints the
// mapping; the rules and the bound port go with the container.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "network/hints.hpp"
#include "network/ports.hpp"

namespace {

using namespace lab::network;
using NetworkPorts = NatTest;

// Catches: a -p that is parsed but never served, or served only on addresses DNAT can reach (the
// kernel never routes 127.0.0.1 out of the host: a loopback publish needs the forwarder).
TEST_F(NetworkPorts, LoopbackPublishAnswersFromTheHost) {
  const std::string name = lab::unique_name("web");
  LAB_ASSERT_STATUS(pocker.run(web_server({"-d", "--name", name, "-p", "127.0.0.1::80"})), 0, kPorts);
  const int port = host_port_of(pocker, name);
  const lab::Outcome shown = pocker.run({"port", name});
  LAB_ASSERT(port > 0, "`pocker port " + name + " 80/tcp` prints 127.0.0.1:PORT", shown, kPorts);
  LAB_EXPECT_OUT_EQ(shown, "80/tcp -> 127.0.0.1:" + std::to_string(port) + "\n", kPorts);
  const std::string body = http_get_eventually("127.0.0.1", port);
  LAB_EXPECT(body == "hello", "GET http://127.0.0.1:" + std::to_string(port) + "/ answers the container's hello (got \"" + body + "\")", shown, kPorts);
  // The forwarder connects from inside the container's namespace: the server sees its own address.
  const std::string ip = ip_of(pocker, name);
  const std::string caller = http_get_eventually("127.0.0.1", port, "/cgi-bin/ip");
  LAB_EXPECT(caller == ip, "through the forwarder the server sees its own address " + ip + " (got \"" + caller + "\")", shown, kPorts);
}

// Catches: publishing on every address through the forwarder alone (the server would see its own
// address), or DNAT without the output chain (the host's own connections never pass prerouting).
TEST_F(NetworkPorts, PublishedPortIsReachedThroughDnat) {
  const std::string name = lab::unique_name("web");
  LAB_ASSERT_STATUS(pocker.run(web_server({"-d", "--name", name, "-p", "80"})), 0, kPorts);
  const std::string id = id_of(pocker, name);
  const int port = host_port_of(pocker, name);
  const lab::Outcome shown = pocker.run({"port", name});
  LAB_ASSERT(port > 0, "`pocker port` prints 0.0.0.0:PORT for -p 80", shown, kPorts);
  LAB_EXPECT_OUT_EQ(shown, "80/tcp -> 0.0.0.0:" + std::to_string(port) + "\n", kPorts);
  const std::vector<std::string> rules = nat_rules_of(id);
  const bool dnat = std::any_of(rules.begin(), rules.end(), [&](const std::string& r) {
    return r.find("dport " + std::to_string(port)) != std::string::npos && r.find("dnat to") != std::string::npos;
  });
  LAB_EXPECT(dnat, "a DNAT rule for port " + std::to_string(port) + " with the comment pocker:" + id + " in table ip pocker",
             shown, kPorts);
  // From the host to the bridge's gateway address: DNAT keeps the source, 172.29.0.1.
  const std::string caller = http_get_eventually("172.29.0.1", port, "/cgi-bin/ip");
  LAB_EXPECT(caller == "172.29.0.1", "GET http://172.29.0.1:" + std::to_string(port) +
                                         "/cgi-bin/ip seen from 172.29.0.1 (DNAT keeps the caller's address; got \"" +
                                         caller + "\")", shown, kPorts);
}

// Catches: no hairpin: a container calling its own published port through the host's address
// gets no answer (without masquerade the reply would come from an address it never called).
TEST_F(NetworkPorts, ContainerReachesItsOwnPortThroughTheHost) {
  const std::string name = lab::unique_name("web");
  LAB_ASSERT_STATUS(pocker.run(web_server({"-d", "--name", name, "-p", "80"})), 0, kPorts);
  const int port = host_port_of(pocker, name);
  ASSERT_GT(port, 0);
  ASSERT_EQ(http_get_eventually("127.0.0.1", port), "hello") << "the server did not start";
  const lab::Outcome called = pocker.run(
      {"exec", name, "wget", "-qO-", "http://172.29.0.1:" + std::to_string(port) + "/cgi-bin/ip"});
  LAB_EXPECT_STATUS(called, 0, kPorts);
  LAB_EXPECT(plain_address(called.out) == "172.29.0.1",
             "the container's call to its own published port seen from 172.29.0.1 (hairpin and masquerade)", called,
             kPorts);
}

// Catches: rules or a bound port left behind by `rm -f` (the next container on that port would
// fail, or worse, get another's traffic).
TEST_F(NetworkPorts, MappingGoesWithTheContainer) {
  const std::string name = lab::unique_name("web");
  LAB_ASSERT_STATUS(pocker.run(web_server({"-d", "--name", name, "-p", "80", "-p", "127.0.0.1::80"})), 0, kPorts);
  const std::string id = id_of(pocker, name);
  const int port = host_port_of(pocker, name);
  ASSERT_GT(port, 0);
  const lab::Outcome shown = pocker.run({"port", name});
  ASSERT_EQ(lines_of(shown.out).size(), 2u) << shown.out;
  const int loopback_port = std::atoi(shown.out.c_str() + shown.out.rfind(':') + 1);
  EXPECT_FALSE(tcp_port_free("0.0.0.0", port)) << "while the container runs, pocker holds port " << port;
  EXPECT_FALSE(nat_rules_of(id).empty()) << "while it runs, its rules are in table ip pocker";
  const lab::Outcome removed = pocker.run({"rm", "-f", name});
  LAB_ASSERT_STATUS(removed, 0, kPortsCleanup);
  LAB_EXPECT(nat_rules_of(id).empty(), "no rule with the comment pocker:" + id + " once `rm -f` returned", removed,
             kPortsCleanup);
  LAB_EXPECT(tcp_port_free("0.0.0.0", port), "host port " + std::to_string(port) + " free once `rm -f` returned",
             removed, kPortsCleanup);
  LAB_EXPECT(tcp_port_free("127.0.0.1", loopback_port),
             "host port 127.0.0.1:" + std::to_string(loopback_port) + " free once `rm -f` returned", removed,
             kPortsCleanup);
}

// Catches: -P that ignores the image's ExposedPorts.
TEST_F(NetworkPorts, PublishAllPublishesTheImagesExposedPorts) {
  if (!std::filesystem::exists("/bin/busybox")) GTEST_SKIP() << "needs the host's static busybox for an image";
  const std::string ref = "lab/exposing" + std::to_string(::getpid()) + ":1";
  const std::string tree = pocker.root() + "/tree";
  std::filesystem::create_directories(tree + "/bin");
  std::filesystem::copy_file("/bin/busybox", tree + "/bin/busybox");
  std::filesystem::create_symlink("busybox", tree + "/bin/sleep");
  const std::string tar = pocker.root() + "/exposing.tar";
  ASSERT_EQ(lab::run({"/bin/tar", "-C", tree, "-cf", tar, "."}).status, 0);
  LAB_ASSERT_STATUS(pocker.run({"import", "--change", "EXPOSE 80 53/udp", tar, ref}), 0, kPorts);
  const std::string web = lab::unique_name("web");
  LAB_ASSERT_STATUS(pocker.run({"run", "-d", "--name", web, "-P", ref, "sleep", "60"}), 0, kPorts);
  const lab::Outcome shown = pocker.run({"port", web});
  LAB_EXPECT_OUT_HAS(shown, "53/udp -> 0.0.0.0:", kPorts);
  LAB_EXPECT_OUT_HAS(shown, "80/tcp -> 0.0.0.0:", kPorts);
}

}  // namespace
