// What a container holds, seen from inside (/proc/self/status through `escape caps`): docker's 14
// capabilities with a bounding set trimmed to match, seccomp in filter mode, no_new_privs off; and
// each flag that changes one of them.
#include <string>

#include "security/escape.hpp"
#include "security/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/fs.hpp"

namespace {

using namespace lab::security;
using json = nlohmann::json;

constexpr const char* kNone = "0000000000000000";

// The host's own full set: what --privileged should give.
std::string host_bounding_set() {
  const std::string status = lab::read_file("/proc/self/status");
  const size_t at = status.find("CapBnd:");
  if (at == std::string::npos) return "";
  const size_t start = status.find_first_not_of(" \t", at + 7);
  return status.substr(start, status.find('\n', start) - start);
}

class SecurityCaps : public lab::LabTest {
 protected:
  json caps(std::vector<std::string> flags) { return escape(pocker, std::move(flags), {"caps"}); }
};

// Catches: every capability kept (a container that can mknod and mount the host's disk), or a set
// other than docker's.
TEST_F(SecurityCaps, DefaultIsDockers14) {
  const json report = caps({});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("CapEff", ""), kDockerCaps) << report.dump() << "\n  lesson: " << kCaps;
  EXPECT_EQ(report.value("CapPrm", ""), kDockerCaps) << report.dump() << "\n  lesson: " << kCaps;
  // A bounding set left full would let a setuid binary regain what the effective set lacks.
  EXPECT_EQ(report.value("CapBnd", ""), kDockerCaps) << report.dump() << "\n  lesson: " << kCaps;
}

// Catches: capability sets left as they were, trusting execve to cut them to the bounding set. With
// --init, PID 1 is pocker's own small init, which never execs: left alone it keeps every
// capability, and a process of the container (same uid, so it may ptrace it) could borrow them.
TEST_F(SecurityCaps, InitHoldsOnlyDockers14) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "--init", "busybox", "cat", "/proc/1/status"});
  ASSERT_EQ(outcome.status, 0) << outcome.err << "\n  lesson: " << kCaps;
  for (const char* set : {"CapEff:", "CapPrm:"}) {
    const size_t at = outcome.out.find(set);
    ASSERT_NE(at, std::string::npos) << outcome.out;
    const size_t start = outcome.out.find_first_not_of(" \t", at + 7);
    EXPECT_EQ(outcome.out.substr(start, outcome.out.find('\n', start) - start), kDockerCaps)
        << set << " of the init (PID 1):\n" << outcome.out << "\n  lesson: " << kCaps;
  }
}

TEST_F(SecurityCaps, CapDropAllGivesNone) {
  const json report = caps({"--cap-drop", "ALL"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("CapEff", ""), kNone) << report.dump() << "\n  lesson: " << kCaps;
  EXPECT_EQ(report.value("CapBnd", ""), kNone) << report.dump() << "\n  lesson: " << kCaps;
}

// NET_ADMIN is bit 12: 0xa80425fb | 0x1000. Both spellings of the name are accepted.
TEST_F(SecurityCaps, CapAddNetAdmin) {
  for (const std::string name : {"NET_ADMIN", "CAP_NET_ADMIN"}) {
    const json report = caps({"--cap-add", name});
    ASSERT_TRUE(report.is_object());
    EXPECT_EQ(report.value("CapEff", ""), "00000000a80435fb")
        << "--cap-add " << name << ": " << report.dump() << "\n  lesson: " << kCaps;
  }
}

// Catches: a non-root user keeping capabilities, or the bounding set not trimmed for it.
TEST_F(SecurityCaps, NonRootHasNoneButBoundingStays) {
  const json report = caps({"-u", "1000"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("CapEff", ""), kNone) << report.dump() << "\n  lesson: " << kCaps;
  EXPECT_EQ(report.value("CapBnd", ""), kDockerCaps) << report.dump() << "\n  lesson: " << kCaps;
}

TEST_F(SecurityCaps, PrivilegedHasAll) {
  const json report = caps({"--privileged"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("CapEff", ""), host_bounding_set()) << report.dump() << "\n  lesson: " << kCaps;
}

// Catches: inspect not showing what was asked and what the container got.
TEST_F(SecurityCaps, InspectShowsCaps) {
  const std::string name = lab::unique_name();
  const lab::Outcome started =
      pocker.run({"run", "-d", "--name", name, "--cap-add", "NET_ADMIN", "--cap-drop", "MKNOD", "busybox", "sleep", "30"});
  LAB_ASSERT_STATUS(started, 0, kCaps);
  const lab::Outcome inspect = pocker.run({"inspect", name});
  pocker.run({"rm", "-f", name});
  LAB_ASSERT_STATUS(inspect, 0, kCaps);
  // docker prints an array; one object for one container is accepted too.
  json all = json::parse(inspect.out, nullptr, false);
  if (all.is_array() && !all.empty()) all = all[0];
  ASSERT_TRUE(all.is_object()) << inspect.out;
  const json host = all.value("HostConfig", json::object());
  const auto has = [](const json& list, const std::string& cap) {
    if (!list.is_array()) return false;
    for (const json& item : list) {
      if (item == cap || item == "CAP_" + cap) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(host.value("CapAdd", json()), "NET_ADMIN")) << host.dump();
  EXPECT_TRUE(has(host.value("CapDrop", json()), "MKNOD")) << host.dump();
  const json effective = host.value("EffectiveCaps", json());
  EXPECT_TRUE(has(effective, "NET_ADMIN") && !has(effective, "MKNOD") && effective.size() == 14) << host.dump();
  EXPECT_EQ(host.value("Privileged", true), false) << host.dump();
}

class SecuritySeccomp : public SecurityCaps {};

// Catches: no seccomp filter at all (Seccomp 0), or one loaded in strict mode (1).
TEST_F(SecuritySeccomp, FilterByDefault) {
  const json report = caps({});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("Seccomp", -1), 2) << report.dump() << "\n  lesson: " << kSeccomp;
}

TEST_F(SecuritySeccomp, UnconfinedHasNone) {
  const json report = caps({"--security-opt", "seccomp=unconfined"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("Seccomp", -1), 0) << report.dump() << "\n  lesson: " << kSeccomp;
}

TEST_F(SecuritySeccomp, PrivilegedHasNone) {
  const json report = caps({"--privileged"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("Seccomp", -1), 0) << report.dump() << "\n  lesson: " << kSeccomp;
}

class SecurityNoNewPrivs : public SecurityCaps {};

TEST_F(SecurityNoNewPrivs, OffByDefault) {
  const json report = caps({});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("NoNewPrivs", -1), 0) << report.dump() << "\n  lesson: " << kNoNewPrivs;
}

TEST_F(SecurityNoNewPrivs, OnWithOption) {
  const json report = caps({"--security-opt", "no-new-privileges"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("NoNewPrivs", -1), 1) << report.dump() << "\n  lesson: " << kNoNewPrivs;
}

// A setuid-root copy of the probe, run by uid 1000 through exec: root without the option (the
// check that the copy really is setuid), still 1000 with it. Catches: no_new_privs not set for
// exec'd processes, or not set at all.
TEST_F(SecurityNoNewPrivs, SetuidDoesNotElevate) {
  const auto euid_of = [&](std::vector<std::string> flags) -> long {
    const std::string name = lab::unique_name(flags.empty() ? "suid" : "suid-nnp");
    std::vector<std::string> run{"run", "-d", "--name", name};
    run.insert(run.end(), flags.begin(), flags.end());
    run.insert(run.end(), {"busybox", "sleep", "60"});
    const lab::Outcome started = pocker.run(run);
    long euid = -1;
    if (started.status == 0) {
      const lab::Outcome copy = pocker.run(
          {"exec", name, "sh", "-c", "cp /bin/pocker-probe /tmp/suid-probe && chmod 4755 /tmp/suid-probe"});
      EXPECT_EQ(copy.status, 0) << lab::describe(copy);
      const lab::Outcome probe = pocker.run({"exec", "-u", "1000", name, "/tmp/suid-probe", "escape", "caps"});
      const json report = json::parse(probe.out, nullptr, false);
      if (report.is_object()) euid = report.value("euid", -1L);
      if (euid < 0) ADD_FAILURE() << lab::describe(probe);
    } else {
      ADD_FAILURE() << lab::describe(started);
    }
    pocker.run({"rm", "-f", name});
    return euid;
  };
  EXPECT_EQ(euid_of({}), 0) << "without no-new-privileges a setuid-root binary should give euid 0 (else this "
                            << "lab proves nothing)\n  lesson: " << kNoNewPrivs;
  EXPECT_EQ(euid_of({"--security-opt", "no-new-privileges"}), 1000)
      << "with no-new-privileges the setuid bit must be ignored\n  lesson: " << kNoNewPrivs;
}

}  // namespace
