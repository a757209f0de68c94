// A network namespace: a container has a namespace of its own with its own lo, and it is up;
// `--network none` has only lo; `--network host` shares the host's interfaces. (The default network
// adds an eth0 on a bridge: the network level's labs, labs/network/.)
#include <algorithm>
#include <string>
#include <vector>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv1::kNet;

std::vector<std::string> interfaces_of(const nlohmann::json& report) {
  std::vector<std::string> names;
  for (const nlohmann::json& name : report.value("interfaces", nlohmann::json::array())) {
    if (name.is_string()) names.push_back(name.get<std::string>());
  }
  std::sort(names.begin(), names.end());
  return names;
}

using Lv1Net = lab::LabTest;

// Catches: no network namespace: the host's interfaces (and its namespace) show inside. Besides lo
// the default network may add its eth0 (labs/network/ check that part).
TEST_F(Lv1Net, OwnNamespaceByDefault) {
  const nlohmann::json report = lab::probe(pocker, {"--rm"}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_NE(lab::lv1::probe_ns_inode(report, "net"), lab::lv1::host_ns_inode("net"))
      << "a container must have a network namespace of its own\n  lesson: " << kNet;
  std::vector<std::string> names = interfaces_of(report);
  std::vector<std::string> others;
  for (const std::string& name : names) {
    if (name != "lo" && name != "eth0") others.push_back(name);
  }
  EXPECT_TRUE(std::find(names.begin(), names.end(), "lo") != names.end() && others.empty())
      << "a container must have its own lo (and at most the default network's eth0); it has "
      << lab::lv1::joined(names, ", ") << "; the host has " << lab::lv1::joined(lab::lv1::host_interfaces(), ", ")
      << "\n  lesson: " << kNet;
}

// Catches: `--network none` taken as "no namespace" (the host's network) instead of a private one.
TEST_F(Lv1Net, NoneIsOnlyLoopback) {
  const nlohmann::json report = lab::probe(pocker, {"--rm", "--network", "none"}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(interfaces_of(report), std::vector<std::string>{"lo"}) << "  lesson: " << kNet;
  EXPECT_NE(lab::lv1::probe_ns_inode(report, "net"), lab::lv1::host_ns_inode("net"))
      << "--network none must still be a network namespace of its own\n  lesson: " << kNet;
}

// Catches: a new network namespace whose lo was left down (a new namespace starts with it down):
// 127.0.0.1 would not work inside. Asks netlink (`ip`), which always answers for the caller's
// namespace, and sysfs's flags (IFF_UP is bit 0x1).
TEST_F(Lv1Net, LoopbackIsUp) {
  // --network none: only the namespace step brings lo up there (the bridge network of a later
  // level sets it up too, and would hide a missing step).
  const lab::Outcome outcome = pocker.run(
      {"run", "--rm", "--network", "none", "busybox", "sh", "-c", "ip -o link show lo; cat /sys/class/net/lo/flags"});
  LAB_EXPECT_STATUS(outcome, 0, kNet);
  const std::vector<std::string> lines = lab::lv1::lines_of(outcome.out);
  const std::string link = lines.empty() ? "" : lines[0];
  const std::string flags = link.substr(0, link.find('>') == std::string::npos ? 0 : link.find('>') + 1);
  LAB_EXPECT(flags.find(",UP") != std::string::npos || flags.find("<UP") != std::string::npos,
             "`ip -o link show lo` to show lo UP", outcome, kNet);
  unsigned long bits = 0;
  try {
    bits = lines.size() > 1 ? std::stoul(lines[1], nullptr, 16) : 0;
  } catch (...) {
  }
  LAB_EXPECT((bits & 0x1) != 0, "/sys/class/net/lo/flags to have IFF_UP (0x1) set", outcome, kNet);
}

using Lv1NetHost = lab::LabTest;

// Catches: `--network host` ignored: the container would see only its own lo.
TEST_F(Lv1NetHost, SeesHostInterfaces) {
  const nlohmann::json report = lab::probe(pocker, {"--rm", "--network", "host"}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(interfaces_of(report), lab::lv1::host_interfaces())
      << "with --network host the container must see the host's interfaces\n  lesson: " << kNet;
}

}  // namespace
