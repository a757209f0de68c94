// The key catalogue entries again, through the two other ways into a container: `pocker exec`
// (which must apply the same capabilities, seccomp and device cgroup as run) and rootless pocker
// (where root in the container has every capability of its user namespace, so seccomp is what
// stops a tmpfs mount there).
#include <string>
#include <vector>

#include "security/escape.hpp"
#include "security/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/run.hpp"
#include "support/user.hpp"

namespace {

using namespace lab::security;
using json = nlohmann::json;

// The probe's report, or null after recording a failure.
json report_of(const lab::Outcome& outcome) {
  const json report = json::parse(outcome.out, nullptr, false);
  if (outcome.status != 0 || !report.is_object()) {
    ADD_FAILURE() << "expected the probe to run and print one JSON object\n" << lab::describe(outcome);
    return nullptr;
  }
  return report;
}

class SecurityExec : public lab::LabTest {
 protected:
  void SetUp() override {
    const lab::Outcome started = pocker.run({"run", "-d", "--name", name_, "busybox", "sleep", "120"});
    LAB_ASSERT_STATUS(started, 0, kCaps);
  }
  void TearDown() override { pocker.run({"rm", "-f", name_}); }

  json exec(std::vector<std::string> flags, std::vector<std::string> attempt) {
    std::vector<std::string> args{"exec"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {name_, "pocker-probe", "escape"});
    args.insert(args.end(), attempt.begin(), attempt.end());
    return report_of(pocker.run(args));
  }

  const std::string name_ = lab::unique_name();
};

// Catches: an exec'd process outside the seccomp filter or with every capability.
TEST_F(SecurityExec, MountTmpfsBlocked) {
  EXPECT_TRUE(blocked(exec({}, {"mount-tmpfs"}), "EPERM", kSeccomp));
}

TEST_F(SecurityExec, UnshareUserBlocked) {
  EXPECT_TRUE(blocked(exec({}, {"unshare-user"}), "EPERM", kSeccomp));
}

// Catches: an exec'd process outside the container's device cgroup (or with CAP_SYS_ADMIN). Opens
// the disk where the host can; else tries to mount it.
TEST_F(SecurityExec, DiskBlocked) {
  const RootDisk disk = root_disk();
  if (!disk.error.empty()) GTEST_SKIP() << disk.error;
  const std::string major = std::to_string(disk.major), minor = std::to_string(disk.minor);
  if (host_cannot_open_block(disk.major, disk.minor).empty()) {
    EXPECT_TRUE(blocked(exec({}, {"mknod-open-disk", major, minor}), "EPERM", kDevices));
  } else {
    EXPECT_TRUE(blocked(exec({}, {"mount-disk", major, minor, disk.fstype, "x"}), "EPERM", kCaps));
  }
}

// The relaxed side for exec. As in docker, `exec --privileged` gives the process every capability
// but keeps the container's seccomp profile (which refuses mount without CAP_SYS_ADMIN at creation),
// so the container runs unconfined: then only the capability decides. Catches: exec --privileged
// not granting CAP_SYS_ADMIN, or a plain exec granting it.
class SecurityExecPrivileged : public SecurityExec {
 protected:
  void SetUp() override {
    const lab::Outcome started = pocker.run(
        {"run", "-d", "--name", name_, "--security-opt", "seccomp=unconfined", "busybox", "sleep", "120"});
    LAB_ASSERT_STATUS(started, 0, kCaps);
  }
};

TEST_F(SecurityExecPrivileged, MountsOnlyWithPrivileged) {
  EXPECT_TRUE(blocked(exec({}, {"mount-tmpfs"}), "EPERM", kCaps));
  EXPECT_TRUE(went_through(exec({"--privileged"}, {"mount-tmpfs"}), kCaps));
}

class SecurityRootless : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why_not = user_.prepare(lab::pocker_bin());
    if (!why_not.empty()) GTEST_SKIP() << why_not;
  }
  json escape(std::vector<std::string> attempt) {
    std::vector<std::string> args{"run", "--rm", "busybox", "pocker-probe", "escape"};
    args.insert(args.end(), attempt.begin(), attempt.end());
    return report_of(lab::run(user_.pocker(args)));
  }
  lab::Unprivileged user_{7};
};

// In its own user namespace root may mount a tmpfs as far as the kernel cares: only the seccomp
// profile says no. Catches: rootless containers started without the filter.
TEST_F(SecurityRootless, MountTmpfsBlocked) {
  EXPECT_TRUE(blocked(escape({"mount-tmpfs"}), "EPERM", kSeccomp));
}

TEST_F(SecurityRootless, UnshareUserBlocked) {
  EXPECT_TRUE(blocked(escape({"unshare-user"}), "EPERM", kSeccomp));
}

TEST_F(SecurityRootless, AddKeyBlocked) {
  EXPECT_TRUE(blocked(escape({"add-key"}), "EPERM", kSeccomp));
}

// Catches: rootless containers keeping the user namespace's full set.
TEST_F(SecurityRootless, BoundingSetIsDockers14) {
  const json report = escape({"caps"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("CapBnd", ""), kDockerCaps) << report.dump() << "\n  lesson: " << kCaps;
}

}  // namespace
