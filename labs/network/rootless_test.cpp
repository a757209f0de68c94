// Rootless pocker has no bridge (making one needs root in the host's network namespace): its default
// is `none`, `pocker info` says so, and an explicit `--network bridge` is refused in one line.
#include <string>

#include "network/hints.hpp"
#include "network/network.hpp"
#include "support/user.hpp"

namespace {

using namespace lab::network;

class NetworkRootless : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why_not = user_.prepare(lab::pocker_bin());
    if (!why_not.empty()) GTEST_SKIP() << why_not;
  }
  lab::Unprivileged user_{9};
};

// Catches: a rootless default that tries the bridge (every rootless run would fail), or one that
// silently shares the host's network instead of a namespace with only lo.
TEST_F(NetworkRootless, DefaultIsNoneAndInfoSaysSo) {
  const lab::Outcome ran = lab::run(user_.pocker({"run", "--rm", "busybox", "ip", "-o", "link"}));
  LAB_ASSERT_STATUS(ran, 0, kModes);
  LAB_EXPECT(lines_of(ran.out).size() == 1 && ran.out.find(": lo:") != std::string::npos,
             "only lo in a rootless container by default", ran, kModes);
  const lab::Outcome info = lab::run(user_.pocker({"info"}));
  LAB_EXPECT_STATUS(info, 0, kModes);
  bool said = false;
  for (const std::string& line : lines_of(info.out)) {
    said = said || (line.rfind("network:", 0) == 0 && line.find("none") != std::string::npos);
  }
  LAB_EXPECT(said, "a `network:` line in `pocker info` naming none as the rootless default", info, kModes);
}

// Catches: `--network bridge` rootless taken as none without a word, or failing half-way.
TEST_F(NetworkRootless, ExplicitBridgeRefused) {
  const lab::Outcome ran = lab::run(user_.pocker({"run", "--rm", "--network", "bridge", "busybox", "true"}));
  LAB_EXPECT_STATUS(ran, 125, kInput);
  LAB_EXPECT_POCKER_ERROR(ran, "bridge", kInput);
  LAB_EXPECT(lines_of(ran.err).size() == 1, "one line on stderr", ran, kInput);
}

}  // namespace
