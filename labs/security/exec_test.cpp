// The catalogue again, through the two other ways into a container: `pocker exec` (which must
// apply the same capabilities, seccomp, masks and device cgroup as run) and rootless pocker (where
// the capabilities are those of a user namespace: root there may do much to what the namespace
// owns, so the capability sets and seccomp still have to be cut as for root).
#include <unistd.h>

#include <unistd.h>

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

TEST_F(SecurityExec, KeyringsBlocked) {
  EXPECT_TRUE(blocked(exec({}, {"add-key"}), "EPERM", kSeccomp));
  EXPECT_TRUE(blocked(exec({}, {"keyctl"}), "EPERM", kSeccomp));
}

TEST_F(SecurityExec, Clone3IsEnosys) {
  EXPECT_TRUE(blocked(exec({}, {"clone3"}), "ENOSYS", kSeccomp));
}

// Catches: an exec'd process that may take the masks away, or write the host's /proc/sys.
TEST_F(SecurityExec, MasksHold) {
  if (::access("/proc/timer_list", F_OK) == 0) {
    EXPECT_TRUE(blocked(exec({}, {"umount", "/proc/timer_list"}), "EPERM", kMasks));
    const json masked = exec({}, {"read", "/proc/timer_list"});
    ASSERT_TRUE(masked.is_object());
    EXPECT_EQ(masked.value("size", -1), 0) << masked.dump() << "\n  lesson: " << kMasks;
  }
  EXPECT_TRUE(blocked(exec({}, {"write-file", "/proc/sys/kernel/core_pattern"}), "EROFS", kMasks));
}

// Catches: `exec --privileged` not giving every capability: the default profile lets mount(2)
// through for a process that holds CAP_SYS_ADMIN, so with it the tmpfs mounts, in the default
// container too.
TEST_F(SecurityExec, PrivilegedMountsInDefaultContainer) {
  EXPECT_TRUE(blocked(exec({}, {"mount-tmpfs"}), "EPERM", kCaps));
  EXPECT_TRUE(went_through(exec({"--privileged"}, {"mount-tmpfs"}), kCaps));
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
  json escape(std::vector<std::string> attempt, std::vector<std::string> flags = {}) {
    std::vector<std::string> args{"run", "--rm"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"busybox", "pocker-probe", "escape"});
    args.insert(args.end(), attempt.begin(), attempt.end());
    return report_of(lab::run(user_.pocker(args)));
  }
  lab::Unprivileged user_{7};
};

// In its own user namespace, root with CAP_SYS_ADMIN may mount a tmpfs in its own mount namespace:
// the kernel allows it. Two things stop it: the capability set and the seccomp profile (mount is
// allowed only with CAP_SYS_ADMIN), so each alone still blocks it. The relaxed half gives the
// capability back, which the profile then follows.
TEST_F(SecurityRootless, MountTmpfsBlocked) {
  EXPECT_TRUE(blocked(escape({"mount-tmpfs"}), "EPERM", kCaps));
  EXPECT_TRUE(went_through(escape({"mount-tmpfs"}, {"--cap-add", "SYS_ADMIN"}), kCaps));
}

// Nested user namespaces need no capability at all: only seccomp stops them. Catches: rootless
// containers started without the filter.
TEST_F(SecurityRootless, UnshareUserBlocked) {
  EXPECT_TRUE(blocked(escape({"unshare-user"}), "EPERM", kSeccomp));
  EXPECT_TRUE(went_through(escape({"unshare-user"}, {"--security-opt", "seccomp=unconfined"}), kSeccomp));
}

TEST_F(SecurityRootless, AddKeyBlocked) {
  EXPECT_TRUE(blocked(escape({"add-key"}), "EPERM", kSeccomp));
  EXPECT_TRUE(blocked(escape({"keyctl"}), "EPERM", kSeccomp));
}

TEST_F(SecurityRootless, Clone3IsEnosys) {
  EXPECT_TRUE(blocked(escape({"clone3"}), "ENOSYS", kSeccomp));
}

// Catches: masks a rootless container may take away (it owns its mount namespace, so with
// CAP_SYS_ADMIN it could), or a writable /proc/sys.
TEST_F(SecurityRootless, MasksHold) {
  if (::access("/proc/timer_list", F_OK) == 0) {
    EXPECT_TRUE(blocked(escape({"umount", "/proc/timer_list"}), "EPERM", kMasks));
  }
  const json core = escape({"write-file", "/proc/sys/kernel/core_pattern"});
  ASSERT_TRUE(core.is_object());
  EXPECT_EQ(core.value("ok", true), false) << core.dump() << "\n  lesson: " << kMasks;
}

// The other way round, as for root: raw sockets by default, none with --cap-drop NET_RAW.
TEST_F(SecurityRootless, PacketSocketNeedsNetRaw) {
  EXPECT_TRUE(went_through(escape({"packet-socket"}), kCaps));
  EXPECT_TRUE(blocked(escape({"packet-socket"}, {"--cap-drop", "NET_RAW"}), "EPERM", kCaps));
}

// Catches: rootless containers keeping the user namespace's full set.
TEST_F(SecurityRootless, BoundingSetIsDockers14) {
  const json report = escape({"caps"});
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("CapBnd", ""), kDockerCaps) << report.dump() << "\n  lesson: " << kCaps;
}

}  // namespace
