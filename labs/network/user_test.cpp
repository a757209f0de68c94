// User networks: containers on one network reach each other, by address, name and alias; a
// container on another network does not, until it is connected; container:A shares A's network;
// bad input makes nothing; concurrent runs get distinct addresses; a SIGKILLed run leaves nothing.
#include <signal.h>

#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "network/hints.hpp"
#include "network/user_network.hpp"

namespace {

using namespace lab::network;
using NetworkUser = NetworkTest;

// busybox wget of B's httpd (which serves /etc, so /hostname is B's hostname). busybox's own -T
// crashes: `timeout` bounds each try instead. Tries for up to 3 s while B's httpd starts.
std::vector<std::string> fetch(const std::string& host) {
  return {"sh", "-c",
          "for i in $(seq 30); do timeout 2 wget -q -O- http://" + host +
              ":8080/hostname 2>/dev/null && exit 0; sleep 0.1; done; exit 1"};
}

// One try, 2 s at most: the attacker's.
std::vector<std::string> fetch_once(const std::string& host) {
  return {"timeout", "2", "wget", "-q", "-O-", "http://" + host + ":8080/hostname"};
}

// Starts B: httpd on port 8080 serving its /etc, with hostname `hostname`.
void start_server(const lab::Pocker& pocker, const std::string& network, const std::string& name,
                  const std::string& hostname, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{"run", "-d", "--name", name, "-h", hostname, "--network", network};
  argv.insert(argv.end(), extra.begin(), extra.end());
  for (const char* word : {"busybox", "httpd", "-f", "-p", "8080", "-h", "/etc"}) argv.push_back(word);
  const lab::Outcome started = pocker.run(argv);
  LAB_EXPECT_STATUS(started, 0, kUser);
}

std::vector<std::string> in_container(const std::string& network, std::vector<std::string> command) {
  std::vector<std::string> argv{"run", "--rm", "--network", network, "busybox"};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

// Catches: a user network that gives no address, no route to its peers, or no names.
TEST_F(NetworkUser, ReachesByAddressNameAndAlias) {
  const std::string net = lab::unique_name("net");
  ASSERT_FALSE(create_network(pocker, net).empty()) << "network create " << net << "\n  lesson: " << kUser;
  const std::string b = lab::unique_name("b");
  start_server(pocker, net, b, "bserver", {"--network-alias", "db"});
  const std::string b_ip = ip_of(pocker, b);
  ASSERT_FALSE(b_ip.empty()) << "inspect shows B's address on " << net << "\n  lesson: " << kUser;
  for (const std::string& host : {b_ip, b, std::string("db")}) {
    const lab::Outcome got = pocker.run(in_container(net, fetch(host)));
    LAB_EXPECT(got.status == 0 && got.out == "bserver\n", "A reaches B's httpd at " + host, got,
               host == b_ip ? kUser : kNames);
  }
}

// The attacker's attempt: C on another network tries B by address and by name, and fails; the
// same container, once connected to B's network, succeeds (so the failure was the boundary).
TEST_F(NetworkUser, OtherNetworkCannotReach) {
  const std::string net_b = lab::unique_name("nb");
  const std::string net_c = lab::unique_name("nc");
  ASSERT_FALSE(create_network(pocker, net_b).empty()) << "network create\n  lesson: " << kUser;
  ASSERT_FALSE(create_network(pocker, net_c).empty()) << "network create\n  lesson: " << kUser;
  const std::string b = lab::unique_name("b");
  start_server(pocker, net_b, b, "bserver");
  const std::string b_ip = ip_of(pocker, b);
  ASSERT_FALSE(b_ip.empty());
  const std::string c = lab::unique_name("c");
  LAB_ASSERT_STATUS(pocker.run({"run", "-d", "--name", c, "--network", net_c, "busybox", "sleep", "120"}), 0, kUser);
  for (const std::string& host : {b_ip, b}) {
    std::vector<std::string> attempt{"exec", c};
    for (const std::string& word : fetch_once(host)) attempt.push_back(word);
    const lab::Outcome got = pocker.run(attempt);
    LAB_EXPECT(got.status != 0 && got.out.find("bserver") == std::string::npos,
               "C on another network does NOT reach B at " + host, got, kUser);
  }
  const lab::Outcome connected = pocker.run({"network", "connect", net_b, c});
  LAB_ASSERT_STATUS(connected, 0, kUser);
  std::vector<std::string> attempt{"exec", c};
  for (const std::string& word : fetch(b_ip)) attempt.push_back(word);
  const lab::Outcome got = pocker.run(attempt);
  LAB_EXPECT(got.status == 0 && got.out == "bserver\n", "C reaches B once connected to B's network", got, kUser);
  const lab::Outcome gone = pocker.run({"network", "disconnect", net_b, c});
  LAB_EXPECT_STATUS(gone, 0, kUser);
  std::vector<std::string> once{"exec", c};
  for (const std::string& word : fetch_once(b_ip)) once.push_back(word);
  const lab::Outcome after = pocker.run(once);
  LAB_EXPECT(after.status != 0, "C no longer reaches B once disconnected", after, kUser);
}

// Catches: container:A given a namespace of its own (no eth0, or another address).
TEST_F(NetworkUser, ContainerModeSharesNetwork) {
  const std::string net = lab::unique_name("net");
  ASSERT_FALSE(create_network(pocker, net).empty());
  const std::string a = lab::unique_name("a");
  start_server(pocker, net, a, "aserver");
  const std::string a_ip = ip_of(pocker, a);
  ASSERT_FALSE(a_ip.empty());
  const lab::Outcome got = pocker.run({"run", "--rm", "--network", "container:" + a, "busybox", "sh", "-c",
                                       "ip -o -4 addr; timeout 2 wget -q -O- http://127.0.0.1:8080/hostname"});
  LAB_ASSERT_STATUS(got, 0, kUser);
  LAB_EXPECT(address_in(got.out) == a_ip, "container:A has A's eth0 address " + a_ip, got, kUser);
  LAB_EXPECT(got.out.find("aserver\n") != std::string::npos, "container:A reaches A's httpd on 127.0.0.1", got,
             kUser);
}

// Catches: a lock-free IPAM on a user network (duplicates), or a lease left behind.
TEST_F(NetworkUser, ConcurrentRunsGetDistinctAddresses) {
  const std::string net = lab::unique_name("net");
  const std::string id = create_network(pocker, net);
  ASSERT_FALSE(id.empty());
  // Each holds its address until all 20 have one (a file the test makes in a shared volume):
  // an address freed by one that ended may rightly go to the next.
  lab::TempDir barrier("pocker-barrier");
  std::vector<lab::Background> runs;
  for (int i = 0; i < 20; ++i) {
    runs.emplace_back(pocker.command({"run", "--rm", "--network", net, "-v", barrier.path() + ":/b", "busybox", "sh",
                                      "-c", "ip -o -4 addr show eth0; while [ ! -e /b/go ]; do sleep 0.1; done"}));
  }
  for (lab::Background& run : runs) {
    EXPECT_TRUE(run.wait_for_stdout("inet ", 60s)) << "a run did not get going: " << run.err();
  }
  std::ofstream(barrier.path() + "/go") << "go\n";
  std::set<std::string> addresses;
  for (lab::Background& run : runs) {
    const lab::Outcome done = run.wait();
    LAB_EXPECT_STATUS(done, 0, kIpam);
    const std::string ip = address_in(done.out);
    LAB_EXPECT(!ip.empty(), "an address on eth0", done, kIpam);
    addresses.insert(ip);
  }
  EXPECT_EQ(addresses.size(), 20u) << "20 concurrent runs on one network, 20 distinct addresses\n  lesson: " << kIpam;
  EXPECT_TRUE(network_leases(id).empty()) << "no lease left once all 20 have ended\n  lesson: " << kCleanup;
}

// Catches: a SIGKILLed `pocker run` mid-set-up whose veth, bridge port, lease or DNS responder
// stays behind after the next pocker command.
TEST_F(NetworkUser, KilledMidSetupLeavesNothing) {
  const std::string net = lab::unique_name("net");
  const std::string id = create_network(pocker, net);
  ASSERT_FALSE(id.empty());
  for (int delay_ms : {5, 20, 60, 150}) {
    lab::Background running(pocker.command(in_container(net, {"sleep", "60"})));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    running.signal(SIGKILL);
    const lab::Outcome killed = running.wait();
    lab::Outcome next;
    const bool clean = eventually(
        [&] {
          next = pocker.run({"ps", "-a"});
          return network_leases(id).empty() && bridge_ports(bridge_of(id)).empty() && !dns_responder_runs(id);
        },
        8s);
    LAB_EXPECT(clean,
               "after a SIGKILL " + std::to_string(delay_ms) +
                   " ms into `run`, then `ps -a`: no lease, no port on " + bridge_of(id) + ", no DNS responder",
               next, kCleanup);
  }
  const lab::Outcome removed = pocker.run({"network", "rm", net});
  LAB_EXPECT_STATUS(removed, 0, kUser);
  LAB_EXPECT(!host_has_link(bridge_of(id)), "the bridge " + bridge_of(id) + " gone with `network rm`", removed,
             kUser);
  LAB_EXPECT(!std::filesystem::exists(std::string(kNetworksDir) + "/" + id), "no host directory of the network",
             removed, kUser);
}

using NetworkUserInput = NetworkTest;

// One line on stderr, exit 125.
void expect_refusal(const lab::Outcome& outcome, const std::string& says) {
  LAB_EXPECT_STATUS(outcome, 125, kUserInput);
  LAB_EXPECT_POCKER_ERROR(outcome, says, kUserInput);
  LAB_EXPECT(lines_of(outcome.err).size() == 1, "one line on stderr", outcome, kUserInput);
}

std::vector<std::string> network_names(const lab::Pocker& pocker) {
  std::vector<std::string> names;
  for (const std::string& line : lines_of(pocker.run({"network", "ls"}).out)) {
    std::istringstream words(line);
    std::string id, name;
    words >> id >> name;
    names.push_back(name);
  }
  return names;
}

// Catches: a second network of one name, or one that overlaps another's subnet (its containers
// could not tell which bridge an address is on).
TEST_F(NetworkUserInput, DuplicateAndOverlappingRefused) {
  const std::string net = lab::unique_name("net");
  ASSERT_FALSE(create_network(pocker, net).empty());
  const auto before = network_names(pocker);
  expect_refusal(pocker.run({"network", "create", net}), "already exists");
  expect_refusal(pocker.run({"network", "create", "--subnet", subnet_of(pocker, net), lab::unique_name("o")}),
                 "overlaps");
  expect_refusal(pocker.run({"network", "create", "--subnet", "172.29.5.0/24", lab::unique_name("o")}), "overlaps");
  const lab::Outcome after = pocker.run({"network", "ls"});
  LAB_EXPECT(network_names(pocker) == before, "no network made by the refused creates", after, kUserInput);
}

// Catches: a /30 (gateway and one container) that hands out its broadcast address to a second.
TEST_F(NetworkUserInput, FullSlash30Refused) {
  // A /30 of its own per run: 10.211.X.Y/30 from the test's pid, so parallel runs do not collide.
  const int n = static_cast<int>(::getpid()) % 16000;
  const std::string subnet = "10.211." + std::to_string(n / 64) + "." + std::to_string((n % 64) * 4) + "/30";
  const std::string net = lab::unique_name("tiny");
  const std::string id = create_network(pocker, net, {"--subnet", subnet});
  ASSERT_FALSE(id.empty()) << "network create --subnet " << subnet;
  const std::string first = lab::unique_name("one");
  LAB_ASSERT_STATUS(pocker.run({"run", "-d", "--name", first, "--network", net, "busybox", "sleep", "60"}), 0, kIpam);
  const auto ports = bridge_ports(bridge_of(id));
  const lab::Outcome second = pocker.run({"run", "--rm", "--network", net, "busybox", "true"});
  expect_refusal(second, "no free address");
  LAB_EXPECT(network_leases(id).size() == 1, "only the first container's lease", second, kIpam);
  LAB_EXPECT(bridge_ports(bridge_of(id)) == ports, "no new port on the bridge", second, kIpam);
}

// Catches: `network rm` that pulls the bridge from under running containers.
TEST_F(NetworkUserInput, RmInUseRefusedNamingContainers) {
  const std::string net = lab::unique_name("net");
  const std::string id = create_network(pocker, net);
  ASSERT_FALSE(id.empty());
  const std::string user = lab::unique_name("user");
  LAB_ASSERT_STATUS(pocker.run({"run", "-d", "--name", user, "--network", net, "busybox", "sleep", "60"}), 0, kUser);
  expect_refusal(pocker.run({"network", "rm", net}), user);
  LAB_EXPECT(host_has_link(bridge_of(id)), "the bridge still there", pocker.run({"network", "ls"}), kUser);
  LAB_ASSERT_STATUS(pocker.run({"rm", "-f", user}), 0, kUser);
  LAB_EXPECT_STATUS(pocker.run({"network", "rm", net}), 0, kUser);
}

// Catches: --ip outside the subnet, or an unknown network, that makes a container anyway.
TEST_F(NetworkUserInput, BadIpAndUnknownNetworkRefused) {
  const std::string net = lab::unique_name("net");
  const std::string id = create_network(pocker, net);
  ASSERT_FALSE(id.empty());
  expect_refusal(pocker.run({"run", "--rm", "--network", net, "--ip", "192.0.2.7", "busybox", "true"}), "192.0.2.7");
  expect_refusal(pocker.run({"run", "--rm", "--network", gateway_of(pocker, net) == "" ? "x" : net, "--ip",
                             gateway_of(pocker, net), "busybox", "true"}),
                 "--ip");
  expect_refusal(pocker.run({"run", "--rm", "--network", "no-such-net", "busybox", "true"}), "no-such-net");
  const lab::Outcome listed = pocker.run({"ps", "-aq"});
  LAB_EXPECT(listed.out.empty(), "no container made", listed, kUserInput);
  LAB_EXPECT(network_leases(id).empty(), "no lease taken", listed, kUserInput);
}

}  // namespace
