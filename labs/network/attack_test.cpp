// A container cannot undo its network: without CAP_NET_ADMIN (docker's default set lacks it) it
// cannot add an address or take eth0 down. With --cap-add NET_ADMIN it can: the protection is that
// capability, nothing else.
#include <string>

#include "network/hints.hpp"
#include "network/network.hpp"

namespace {

using namespace lab::network;
using NetworkAttack = NetworkTest;

// Catches: CAP_NET_ADMIN kept by default: a container could take another's address on the bridge.
TEST_F(NetworkAttack, CannotAddAnAddress) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "busybox", "ip", "addr", "add", "172.29.9.9/16", "dev", "eth0"});
  LAB_EXPECT(outcome.status != 0, "`ip addr add` to fail inside a default container", outcome, kCaps);
  LAB_EXPECT_ERR_HAS(outcome, "Operation not permitted", kCaps);
}

// Catches: CAP_NET_ADMIN kept by default: a container could reconfigure or drop its link.
TEST_F(NetworkAttack, CannotTakeEth0Down) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "busybox", "ip", "link", "set", "eth0", "down"});
  LAB_EXPECT(outcome.status != 0, "`ip link set eth0 down` to fail inside a default container", outcome, kCaps);
  LAB_EXPECT_ERR_HAS(outcome, "Operation not permitted", kCaps);
}

// Catches: a refusal that is not the capability (no eth0 at all, say): with NET_ADMIN added, both
// changes work, inside the container's own namespace only.
TEST_F(NetworkAttack, NetAdminMayChangeIt) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "--cap-add", "NET_ADMIN", "busybox", "sh", "-c",
                                           "ip addr add 172.29.9.9/16 dev eth0 && ip link set eth0 down && echo changed"});
  LAB_EXPECT_STATUS(outcome, 0, kCaps);
  LAB_EXPECT_OUT_HAS(outcome, "changed", kCaps);
}

}  // namespace
