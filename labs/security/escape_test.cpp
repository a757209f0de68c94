// The escape catalogue (../shared/SECURITY-NOTES.md), one lab per attempt. Each lab runs the
// attempt twice: with pocker's defaults, where it must be stopped with the errno docker's defaults
// give, and with exactly the protection in question relaxed, where it must go through. The second
// half proves the first: an attempt that fails either way says nothing about the protection.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "security/escape.hpp"
#include "security/hints.hpp"
#include "support/fixture.hpp"
#include "support/fs.hpp"
#include "support/run.hpp"
#include "support/user.hpp"

namespace {

using namespace lab::security;
using json = nlohmann::json;

const std::vector<std::string> kSysAdminUnconfined{"--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined"};
const std::vector<std::string> kUnconfined{"--security-opt", "seccomp=unconfined"};
const std::vector<std::string> kPrivileged{"--privileged"};

class SecurityEscape : public lab::LabTest {};

// A private directory on the same file system as "/" (not /tmp when /tmp is a tmpfs), so that a
// mount of the root disk shows what the test put in it. Removed with its contents afterwards.
class DirOnRootDisk {
 public:
  DirOnRootDisk() {
    struct stat root {};
    ::stat("/", &root);
    for (const std::string base : {"/tmp", "/var/tmp", "/root", "/"}) {
      struct stat st {};
      if (::stat(base.c_str(), &st) != 0 || st.st_dev != root.st_dev) continue;
      std::string pattern = (base == "/" ? "" : base) + "/pocker-lab-marker-XXXXXX";
      if (::mkdtemp(pattern.data()) != nullptr) {
        path_ = pattern;
        return;
      }
    }
  }
  ~DirOnRootDisk() {
    if (!path_.empty()) lab::remove_tree(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Catches: no device cgroup (a container that holds CAP_MKNOD can open the host's disk and read
// it). mknod itself is allowed, as in docker ("b *:* m"); the open is what the cgroup refuses.
TEST_F(SecurityEscape, MknodOpenDisk) {
  const RootDisk disk = root_disk();
  if (!disk.error.empty()) GTEST_SKIP() << disk.error;
  if (const std::string why = host_cannot_open_block(disk.major, disk.minor); !why.empty()) GTEST_SKIP() << why;
  const std::vector<std::string> attempt{"mknod-open-disk", std::to_string(disk.major), std::to_string(disk.minor)};

  const json fenced = escape(pocker, {}, attempt);
  EXPECT_TRUE(blocked(fenced, "EPERM", kDevices));
  EXPECT_EQ(fenced.value("step", ""), "open") << "mknod should work (CAP_MKNOD, rule \"b *:* m\"), the open "
                                              << "should not: " << fenced.dump() << "\n  lesson: " << kDevices;
  EXPECT_TRUE(went_through(escape(pocker, kPrivileged, attempt), kDevices));
}

// Catches: no device cgroup, on any host: the same mknod + open on the first loop device (b 7:0),
// which the host itself can open even where its disk refuses it. Relaxed by one rule only
// (--device-cgroup-rule), so the lab proves it is the device cgroup that stops the open.
TEST_F(SecurityEscape, MknodOpenLoopDevice) {
  if (const std::string why = host_cannot_open_block(7, 0); !why.empty()) GTEST_SKIP() << why;
  const std::vector<std::string> attempt{"mknod-open-disk", "7", "0"};

  const json fenced = escape(pocker, {}, attempt);
  EXPECT_TRUE(blocked(fenced, "EPERM", kDevices));
  EXPECT_EQ(fenced.value("step", ""), "open") << "mknod should work (CAP_MKNOD, rule \"b *:* m\"), the open "
                                              << "should not: " << fenced.dump() << "\n  lesson: " << kDevices;
  EXPECT_TRUE(went_through(escape(pocker, {"--device-cgroup-rule", "b 7:0 r"}, attempt), kDevices));
}

// Catches: a container that can mount the host's disk (CAP_SYS_ADMIN left, or mount allowed by
// seccomp) and read any file on it: the marker this test puts on the host's root file system.
TEST_F(SecurityEscape, MountDisk) {
  const RootDisk disk = root_disk();
  if (!disk.error.empty()) GTEST_SKIP() << disk.error;
  DirOnRootDisk dir;
  ASSERT_FALSE(dir.path().empty()) << "no directory on the root file system to put the marker in";
  const std::string marker = dir.path() + "/on-the-host";
  ASSERT_TRUE(lab::run({"/bin/sh", "-c", "echo host > '" + marker + "'"}).status == 0) << "write " << marker;
  const std::vector<std::string> attempt{"mount-disk", std::to_string(disk.major), std::to_string(disk.minor),
                                         disk.fstype, path_on_disk(disk, marker)};

  EXPECT_TRUE(blocked(escape(pocker, {}, attempt), "EPERM", kCaps));
  const json open = escape(pocker, kPrivileged, attempt);
  EXPECT_TRUE(went_through(open, kCaps));
  EXPECT_EQ(open.value("marker_visible", false), true)
      << "with --privileged the mounted disk should show " << marker << ": " << open.dump();
}

// Catches: mount allowed without CAP_SYS_ADMIN, or CAP_SYS_ADMIN in the default set.
TEST_F(SecurityEscape, MountTmpfs) {
  EXPECT_TRUE(blocked(escape(pocker, {}, {"mount-tmpfs"}), "EPERM", kSeccomp));
  EXPECT_TRUE(went_through(escape(pocker, kSysAdminUnconfined, {"mount-tmpfs"}), kSeccomp));
}

// Catches: a container that can take the mask off /proc/timer_list by unmounting it.
TEST_F(SecurityEscape, UmountMaskedPath) {
  if (::access("/proc/timer_list", F_OK) != 0) GTEST_SKIP() << "this kernel has no /proc/timer_list";
  const std::vector<std::string> attempt{"umount", "/proc/timer_list"};
  EXPECT_TRUE(blocked(escape(pocker, {}, attempt), "EPERM", kMasks));
  EXPECT_TRUE(went_through(escape(pocker, kSysAdminUnconfined, attempt), kMasks));
}

// Catches: /proc/sys writable: core_pattern is global, and a "|program" there runs as host root on
// the next crash anywhere. The probe writes back exactly what it read.
TEST_F(SecurityEscape, WriteCorePattern) {
  const std::vector<std::string> attempt{"write-file", "/proc/sys/kernel/core_pattern"};
  EXPECT_TRUE(blocked(escape(pocker, {}, attempt), "EROFS", kMasks));
  EXPECT_TRUE(went_through(escape(pocker, kPrivileged, attempt), kMasks));
}

// Catches: a masked /proc file readable (timer_list leaks host timers and kernel addresses).
TEST_F(SecurityEscape, ReadMaskedTimerList) {
  if (::access("/proc/timer_list", R_OK) != 0) GTEST_SKIP() << "this kernel has no /proc/timer_list";
  const json masked = escape(pocker, {}, {"read", "/proc/timer_list"});
  ASSERT_TRUE(masked.is_object());
  EXPECT_EQ(masked.value("size", -1), 0) << "expected /proc/timer_list masked (empty): " << masked.dump()
                                         << "\n  lesson: " << kMasks;
  EXPECT_TRUE(went_through(escape(pocker, kPrivileged, {"read", "/proc/timer_list"}), kMasks));
}

// Catches: /proc/kcore (the kernel's memory as an ELF core) not masked.
TEST_F(SecurityEscape, ReadMaskedKcore) {
  if (::access("/proc/kcore", F_OK) != 0) GTEST_SKIP() << "this kernel has no /proc/kcore (CONFIG_PROC_KCORE off)";
  const json masked = escape(pocker, {}, {"read", "/proc/kcore"});
  ASSERT_TRUE(masked.is_object());
  EXPECT_EQ(masked.value("ok", true), false) << "expected /proc/kcore masked: " << masked.dump() << "\n  lesson: "
                                             << kMasks;
  EXPECT_TRUE(went_through(escape(pocker, kPrivileged, {"read", "/proc/kcore"}), kMasks));
}

// Catches: module loading reachable (CAP_SYS_MODULE or finit_module allowed). An empty module is
// sent, so at worst the kernel refuses to parse it.
TEST_F(SecurityEscape, FinitModule) {
  if (::access("/proc/modules", F_OK) != 0) GTEST_SKIP() << "this kernel has no module support (no /proc/modules)";
  EXPECT_TRUE(blocked(escape(pocker, {}, {"finit-module"}), "EPERM", kCaps));
  const json open = escape(pocker, kPrivileged, {"finit-module"});
  EXPECT_TRUE(went_through(open, kCaps));
  EXPECT_EQ(open.value("verdict", ""), "parsed") << open.dump();
}

// Catches: CAP_SYS_PTRACE in the default set: with --pid host a container could attach to a host
// process (its uid, root, is the same) and run code in it.
TEST_F(SecurityEscape, PtraceHostProcess) {
  const std::string sleep = lab::find_tool("sleep");
  ASSERT_FALSE(sleep.empty()) << "no sleep on the host";
  lab::Background target({sleep, "60"});
  ASSERT_GT(target.pid(), 0) << "could not start " << sleep;
  const std::vector<std::string> attempt{"ptrace", std::to_string(target.pid())};
  EXPECT_TRUE(blocked(escape(pocker, {"--pid", "host"}, attempt), "EPERM", kCaps));
  EXPECT_TRUE(went_through(escape(pocker, {"--pid", "host", "--cap-add", "SYS_PTRACE"}, attempt), kCaps));
}

// Catches: the kernel key store (not namespaced) reachable: seccomp must refuse add_key/keyctl.
TEST_F(SecurityEscape, AddKey) {
  EXPECT_TRUE(blocked(escape(pocker, {}, {"add-key"}), "EPERM", kSeccomp));
  EXPECT_TRUE(went_through(escape(pocker, kUnconfined, {"add-key"}), kSeccomp));
}

TEST_F(SecurityEscape, Keyctl) {
  EXPECT_TRUE(blocked(escape(pocker, {}, {"keyctl"}), "EPERM", kSeccomp));
  EXPECT_TRUE(went_through(escape(pocker, kUnconfined, {"keyctl"}), kSeccomp));
}

// Catches: unshare(CLONE_NEWUSER) allowed: a user namespace gives full capabilities inside it and
// opens kernel code (netfilter, mounts of more file systems) an attacker could not reach before.
TEST_F(SecurityEscape, UnshareUser) {
  EXPECT_TRUE(blocked(escape(pocker, {}, {"unshare-user"}), "EPERM", kSeccomp));
  EXPECT_TRUE(went_through(escape(pocker, kUnconfined, {"unshare-user"}), kSeccomp));
}

// Catches: clone with namespace flags allowed: the seccomp profile must look at clone's flags.
TEST_F(SecurityEscape, CloneNewns) {
  EXPECT_TRUE(blocked(escape(pocker, {}, {"clone-newns"}), "EPERM", kSeccomp));
  EXPECT_TRUE(went_through(escape(pocker, kPrivileged, {"clone-newns"}), kSeccomp));
}

// Catches: clone3 allowed (its flags are in memory, where seccomp cannot look, so a profile that
// filters clone's flags must refuse clone3), or refused with EPERM, which breaks libc's fallback.
TEST_F(SecurityEscape, Clone3IsEnosys) {
  EXPECT_TRUE(blocked(escape(pocker, {}, {"clone3"}), "ENOSYS", kSeccomp));
  EXPECT_TRUE(went_through(escape(pocker, kUnconfined, {"clone3"}), kSeccomp));
}

// The other way round: docker keeps NET_RAW, so raw sockets work by default; dropping it must
// stop them. Catches: --cap-drop not applied, or NET_RAW missing from the default set.
TEST_F(SecurityEscape, PacketSocketNeedsNetRaw) {
  EXPECT_TRUE(went_through(escape(pocker, {}, {"packet-socket"}), kCaps));
  EXPECT_TRUE(blocked(escape(pocker, {"--cap-drop", "NET_RAW"}, {"packet-socket"}), "EPERM", kCaps));
}

// Catches: CVE-2022-0492's first step: a container that can mount a cgroup v1 hierarchy gets a
// writable release_agent, a program the kernel runs as host root. The probe tries a new named
// hierarchy, then each existing one whose root the container sits at (from a cgroup namespace the
// kernel creates no new hierarchy), so --privileged shows the route wherever it exists.
TEST_F(SecurityEscape, CgroupReleaseAgent) {
  EXPECT_TRUE(blocked(escape(pocker, {}, {"cgroup-mount"}), "EPERM", kSeccomp));
  const json open = escape(pocker, kPrivileged, {"cgroup-mount"});
  EXPECT_TRUE(went_through(open, kSeccomp));
  EXPECT_EQ(open.value("release_agent_writable", false), true) << open.dump();
}

}  // namespace
