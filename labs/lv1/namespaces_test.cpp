// Every container gets namespaces of its own: the probe's /proc/self/ns/NAME inodes differ from the
// test's (the test runs on the host), and each `host` opt-out shares exactly that one namespace.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv1::host_ns_inode;
using lab::lv1::probe_ns_inode;

struct NsCase {
  const char* ns;    // the name under /proc/self/ns
  const char* hint;  // the lesson step that creates it
};

// gtest shows the parameter of a failed test with this.
void PrintTo(const NsCase& c, std::ostream* os) { *os << c.ns; }

const std::vector<NsCase> kPrivate = {
    {"mnt", lab::lv1::kMount}, {"uts", lab::lv1::kUts}, {"ipc", lab::lv1::kIpc},
    {"pid", lab::lv1::kPid},   {"net", lab::lv1::kNet}, {"cgroup", lab::lv1::kCgroup},
};

class Lv1Namespace : public lab::LabTest, public ::testing::WithParamInterface<NsCase> {};

// Catches: pocker leaving this namespace out (its CLONE_NEW* flag dropped from clone, or the
// unshare skipped): the container then runs in the host's namespace and reports its inode.
TEST_P(Lv1Namespace, DiffersFromHost) {
  const NsCase& c = GetParam();
  const std::uint64_t host = host_ns_inode(c.ns);
  ASSERT_NE(host, 0u) << "the test cannot stat its own /proc/self/ns/" << c.ns;

  const nlohmann::json report = lab::probe(pocker, {}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  const std::uint64_t inside = probe_ns_inode(report, c.ns);
  ASSERT_NE(inside, 0u) << "the probe reported no \"" << c.ns << "\" namespace: " << report.value("ns", nlohmann::json())
                        << "\n  lesson: " << c.hint;
  EXPECT_NE(inside, host) << "the container's " << c.ns << " namespace is the host's (inode " << host
                          << "): create a new one for every container\n  lesson: " << c.hint;
}

// No prefix, so the names start with the suite (Lv1Namespace.DiffersFromHost/mnt) and --gtest_filter='Lv1*'
// selects them.
INSTANTIATE_TEST_SUITE_P(, Lv1Namespace, ::testing::ValuesIn(kPrivate),
                         [](const ::testing::TestParamInfo<NsCase>& param_info) { return std::string(param_info.param.ns); });

struct OptOut {
  const char* flag;  // --pid, --uts, --ipc or --network, given the value "host"
  const char* ns;    // the namespace it shares with the host
  const char* hint;
};

void PrintTo(const OptOut& c, std::ostream* os) { *os << c.flag << " host"; }

const std::vector<OptOut> kOptOuts = {
    {"--pid", "pid", lab::lv1::kPid},
    {"--uts", "uts", lab::lv1::kUts},
    {"--ipc", "ipc", lab::lv1::kIpc},
    {"--network", "net", lab::lv1::kNet},
};

class Lv1HostNamespace : public lab::LabTest, public ::testing::WithParamInterface<OptOut> {};

// Catches: an opt-out that is parsed but ignored (the namespace is still new, so the inode differs),
// and one that turns off more than its own namespace (another namespace then equals the host's).
TEST_P(Lv1HostNamespace, SharesOnlyThatOne) {
  const OptOut& c = GetParam();
  const nlohmann::json report = lab::probe(pocker, {c.flag, "host"}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";

  EXPECT_EQ(probe_ns_inode(report, c.ns), host_ns_inode(c.ns))
      << "with `" << c.flag << " host` the container must share the host's " << c.ns << " namespace\n"
      << "  lesson: " << c.hint;
  for (const NsCase& other : kPrivate) {
    if (std::string(other.ns) == c.ns) continue;
    EXPECT_NE(probe_ns_inode(report, other.ns), host_ns_inode(other.ns))
        << "`" << c.flag << " host` must share only the " << c.ns << " namespace, yet the " << other.ns
        << " namespace is the host's too\n  lesson: " << other.hint;
  }
}

INSTANTIATE_TEST_SUITE_P(, Lv1HostNamespace, ::testing::ValuesIn(kOptOuts),
                         [](const ::testing::TestParamInfo<OptOut>& param_info) { return std::string(param_info.param.ns); });

}  // namespace
