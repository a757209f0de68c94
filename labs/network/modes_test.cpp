// --network none and host next to the default: none has only lo, host is the host's own.
#include <string>
#include <vector>

#include "network/hints.hpp"
#include "network/network.hpp"

namespace {

using namespace lab::network;

std::vector<std::string> names_in(const std::string& ip_o_link) {
  std::vector<std::string> names;
  for (const std::string& line : lines_of(ip_o_link)) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string name = line.substr(colon + 2);
    names.push_back(name.substr(0, name.find_first_of(":@")));
  }
  return names;
}

using NetworkModes = NetworkTest;

// Catches: --network none given the bridge anyway (an eth0 and an address).
TEST_F(NetworkModes, NoneHasOnlyLoopback) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "--network", "none", "busybox", "ip", "-o", "link"});
  LAB_ASSERT_STATUS(outcome, 0, kModes);
  LAB_EXPECT(names_in(outcome.out) == std::vector<std::string>{"lo"}, "only lo with --network none", outcome, kModes);
}

// Catches: --network host given a namespace (and the bridge) of its own. Interfaces that come and
// go meanwhile (other tests' veths, pk*) are left out of the comparison.
TEST_F(NetworkModes, HostSeesHostInterfaces) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "--network", "host", "busybox", "ip", "-o", "link"});
  LAB_ASSERT_STATUS(outcome, 0, kModes);
  const std::vector<std::string> inside = names_in(outcome.out);
  for (const std::string& name : host_links()) {
    if (name.rfind("pk", 0) == 0 || name.rfind("veth", 0) == 0) continue;
    LAB_EXPECT(std::find(inside.begin(), inside.end(), name) != inside.end(),
               "the host's interface " + name + " inside with --network host", outcome, kModes);
  }
}

using NetworkInput = NetworkTest;

// One line on stderr, exit 125, and no container made.
void expect_refused(const lab::Pocker& pocker, const std::string& mode) {
  const lab::Outcome outcome =
      pocker.run({"run", "--rm", "--name", lab::unique_name("refused"), "--network", mode, "busybox", "true"});
  LAB_EXPECT_STATUS(outcome, 125, kInput);
  LAB_EXPECT_POCKER_ERROR(outcome, mode, kInput);
  LAB_EXPECT(lines_of(outcome.err).size() == 1, "one line on stderr", outcome, kInput);
  const lab::Outcome listed = pocker.run({"ps", "-aq"});
  LAB_EXPECT(listed.out.empty(), "no container after the refused run (`ps -aq` empty)", listed, kInput);
  std::error_code ec;
  const bool none = !std::filesystem::exists(pocker.root() + "/containers", ec) ||
                    std::filesystem::is_empty(pocker.root() + "/containers", ec);
  LAB_EXPECT(none, "no state directory under " + pocker.root() + "/containers", outcome, kInput);
}

// Catches: an unknown network name taken as none or bridge, or refused only after something was
// made (a name, a state directory, a lease).
TEST_F(NetworkInput, UnknownNetworkRefused) { expect_refused(pocker, "nosuchnet"); }

// Catches: `container:NAME` of a container that does not exist run on another network instead.
TEST_F(NetworkInput, ContainerModeRefused) { expect_refused(pocker, "container:x"); }

}  // namespace
