// cgroup tests. Most run without root against a fake cgroup tree in a
// temporary directory; the CgroupIntegration tests create real cgroups and
// skip, with the reason, when they cannot.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "fake_cgroupfs.hpp"
#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"
#include "pocker/parse.hpp"
#include "pocker/process.hpp"

namespace pocker {
namespace {

namespace fs = std::filesystem;
using cgroupfs::exists;

std::string slurp(const std::string& path) {
  auto text = read_file(path);
  return text ? text.value() : "<missing " + path + ">";
}

void touch(const std::string& path, const std::string& content = "") {
  ASSERT_TRUE(write_file_atomic(path, content)) << path;
}

// A temporary directory, removed with everything in it at the end of the
// test, whatever happened.
class TempTree : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("/tmp/pocker-cgroup-test-").value(); }
  void TearDown() override { (void)remove_tree(dir_); }
  std::string dir_;
};

// ---------------------------------------------------------------------------
// Resources

TEST(CgroupResources, EmptyMeansNothingLimited) {
  Resources r;
  EXPECT_TRUE(r.empty());
  r.pids_limit = 10;
  EXPECT_FALSE(r.empty());
}

TEST(CgroupResources, ValidAcceptsDockerValues) {
  Resources r;
  r.cpus = 0.5;
  r.memory = parse_size("64m").value();
  r.memory_swap = static_cast<int64_t>(parse_size("128m").value());
  r.pids_limit = 100;
  r.cpuset_cpus = "0-1";
  r.cpu_shares = 512;
  EXPECT_TRUE(validate(r, 2, {0, 1}));
  r.memory_swap = -1;
  r.pids_limit = -1;
  EXPECT_TRUE(validate(r, 2, {0, 1}));
  r.pids_limit = 0;
  EXPECT_TRUE(validate(r, 2, {0, 1}));
  EXPECT_TRUE(validate(Resources{}, 1, {0}));
}

TEST(CgroupResources, MemoryUnderSixMegabytes) {
  Resources r;
  r.memory = parse_size("100").value();
  auto v = validate(r, 2, {0, 1});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message(),
            "invalid --memory 100 bytes: minimum memory limit allowed is 6MB (6291456 bytes)");
  r.memory = parse_size("6m").value();
  EXPECT_TRUE(validate(r, 2, {0, 1}));
}

TEST(CgroupResources, CpusOutsideTheHost) {
  Resources r;
  r.cpus = 3;
  auto v = validate(r, 2, {0, 1});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message(), "invalid --cpus 3: must be between 0.01 and 2");
  r.cpus = 0;
  EXPECT_FALSE(validate(r, 2, {0, 1}));
}

TEST(CgroupResources, SwapRules) {
  Resources r;
  r.memory_swap = static_cast<int64_t>(parse_size("1g").value());
  auto alone = validate(r, 2, {0, 1});
  ASSERT_FALSE(alone);
  EXPECT_NE(alone.error().message().find("needs --memory"), std::string::npos);
  r.memory = parse_size("2g").value();
  auto small = validate(r, 2, {0, 1});
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message().find("must be at least --memory (2147483648 bytes)"),
            std::string::npos);
  r.memory_swap = -2;
  EXPECT_FALSE(validate(r, 2, {0, 1}));
  Resources unlimited;
  unlimited.memory_swap = -1;  // docker accepts -1 alone: nothing to limit
  EXPECT_TRUE(validate(unlimited, 2, {0, 1}));
}

TEST(CgroupResources, PidsAndShares) {
  Resources r;
  r.pids_limit = -2;
  EXPECT_FALSE(validate(r, 2, {0, 1}));
  Resources s;
  for (uint64_t bad : {0ULL, 1ULL, 262145ULL}) {
    s.cpu_shares = bad;
    auto v = validate(s, 2, {0, 1});
    ASSERT_FALSE(v) << bad;
    EXPECT_NE(v.error().message().find("between 2 and 262144"), std::string::npos);
  }
  s.cpu_shares = 2;
  EXPECT_TRUE(validate(s, 2, {0, 1}));
  s.cpu_shares = 262144;
  EXPECT_TRUE(validate(s, 2, {0, 1}));
}

TEST(CgroupResources, CpusetMustBeOnline) {
  Resources r;
  r.cpuset_cpus = "7";
  auto v = validate(r, 2, {0, 1});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message(),
            "invalid --cpuset-cpus \"7\": CPU 7 is not online (online CPUs: 0-1)");
  r.cpuset_cpus = "x";
  auto bad = validate(r, 2, {0, 1});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message().rfind("invalid --cpuset-cpus: invalid CPU list \"x\"", 0), 0u)
      << bad.error().message();
}

TEST(CgroupResources, DefaultSwapIsTwiceMemory) {
  Resources r;
  EXPECT_FALSE(effective_memory_swap(r));
  r.memory = 64 << 20;
  EXPECT_EQ(effective_memory_swap(r), 128 << 20);
  r.memory_swap = -1;
  EXPECT_EQ(effective_memory_swap(r), -1);
}

// ---------------------------------------------------------------------------
// Layout detection

// This machine's kind of host: v1 controllers each on their own mount, a
// named systemd hierarchy, and cgroup2 at /sys/fs/cgroup/unified.
constexpr const char* kHybridMountinfo =
    "23 1 0:21 / /sys rw,relatime - sysfs sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

// A systemd distribution in hybrid mode (Ubuntu 20.04): co-mounted
// controllers and optional fields (shared:N) before the separator.
constexpr const char* kSystemdHybridMountinfo =
    "25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "29 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "30 29 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
    "cgroup2 rw,nsdelegate\n"
    "31 29 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup "
    "cgroup rw,xattr,name=systemd\n"
    "34 29 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup "
    "cgroup rw,cpu,cpuacct\n"
    "35 29 0:32 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:16 - "
    "cgroup cgroup rw,net_cls,net_prio\n"
    "36 29 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:17 - cgroup "
    "cgroup rw,memory\n"
    "37 29 0:34 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup "
    "rw,pids\n";

// CentOS 7: v1 only.
constexpr const char* kV1Mountinfo =
    "24 18 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n"
    "25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup "
    "cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd\n"
    "28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup "
    "cgroup rw,cpu,cpuacct\n"
    "29 24 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup "
    "cgroup rw,memory\n";

// A current distribution: cgroup2 only.
constexpr const char* kV2Mountinfo =
    "24 29 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

TEST(CgroupDetect, HybridLikeThisMachine) {
  CgroupHost host = detect_cgroups(kHybridMountinfo, "/nonexistent-prefix").value();
  EXPECT_EQ(host.layout, CgroupLayout::kHybrid);
  EXPECT_EQ(host.root, "/nonexistent-prefix/sys/fs/cgroup");
  EXPECT_EQ(host.unified, "/nonexistent-prefix/sys/fs/cgroup/unified");
  EXPECT_TRUE(host.v2_controllers.empty());
  EXPECT_EQ(host.v1_mounts.size(), 8u);  // name=systemd is not a controller
  EXPECT_EQ(host.v1_mounts.at("memory"), "/nonexistent-prefix/sys/fs/cgroup/memory");
  EXPECT_FALSE(host.v1_mounts.count("systemd"));
  EXPECT_FALSE(host.v1_mounts.count("name=systemd"));
  EXPECT_EQ(describe(host),
            "hybrid (v1 controllers: blkio cpu cpuacct cpuset devices freezer memory pids; "
            "cgroup2 at /nonexistent-prefix/sys/fs/cgroup/unified, no controllers)");
}

TEST(CgroupDetect, HybridWithCoMountedControllers) {
  CgroupHost host = detect_cgroups(kSystemdHybridMountinfo).value();
  EXPECT_EQ(host.layout, CgroupLayout::kHybrid);
  EXPECT_EQ(host.v1_mounts.at("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(host.v1_mounts.at("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(host.v1_mounts.at("net_prio"), "/sys/fs/cgroup/net_cls,net_prio");
  EXPECT_FALSE(host.v1_mounts.count("xattr"));
  EXPECT_EQ(host.root, "/sys/fs/cgroup");
  EXPECT_EQ(host.unified, "/sys/fs/cgroup/unified");
}

TEST(CgroupDetect, PureV1) {
  CgroupHost host = detect_cgroups(kV1Mountinfo).value();
  EXPECT_EQ(host.layout, CgroupLayout::kV1);
  EXPECT_TRUE(host.unified.empty());
  EXPECT_EQ(host.v1_mounts.size(), 3u);
  EXPECT_EQ(describe(host), "cgroup v1 (controllers: cpu cpuacct memory under /sys/fs/cgroup)");
  EXPECT_STREQ(layout_name(host.layout), "v1");
}

TEST_F(TempTree, CgroupDetectPureV2ReadsControllers) {
  ASSERT_TRUE(make_dirs(dir_ + "/sys/fs/cgroup"));
  touch(dir_ + "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n");
  CgroupHost host = detect_cgroups(kV2Mountinfo, dir_).value();
  EXPECT_EQ(host.layout, CgroupLayout::kV2);
  EXPECT_EQ(host.root, dir_ + "/sys/fs/cgroup");
  EXPECT_EQ(host.unified, dir_ + "/sys/fs/cgroup");
  EXPECT_TRUE(host.v1_mounts.empty());
  EXPECT_EQ(host.v2_controllers,
            (std::vector<std::string>{"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma"}));
  EXPECT_EQ(describe(host), "cgroup v2 (unified at " + dir_ +
                                "/sys/fs/cgroup; controllers: cpuset cpu io memory hugetlb pids "
                                "rdma)");
}

TEST(CgroupDetect, NoCgroupsAndEscapedMountPoints) {
  CgroupHost none = detect_cgroups("22 1 0:5 / /proc rw - proc proc rw\nnot a mountinfo line\n")
                        .value();
  EXPECT_EQ(none.layout, CgroupLayout::kNone);
  EXPECT_EQ(describe(none), "no cgroup file system mounted");
  EXPECT_FALSE(make_cgroup(none, "pocker/x"));
  CgroupHost spaced =
      detect_cgroups("35 24 0:30 / /my\\040cgroup rw shared:9 - cgroup2 cgroup2 rw\n").value();
  EXPECT_EQ(spaced.unified, "/my cgroup");
}

TEST(CgroupDetect, ThisHost) {
  auto host = detect_cgroups();
  ASSERT_TRUE(host) << host.error().message();
  EXPECT_FALSE(describe(host.value()).empty());
}

// ---------------------------------------------------------------------------
// The v2 driver, on a fake unified hierarchy

class CgroupV2 : public TempTree {
 protected:
  void SetUp() override {
    TempTree::SetUp();
    root_ = dir_ + "/sys/fs/cgroup";
    ASSERT_TRUE(make_dirs(root_));
    // The root's files; the fake kernel gives each new cgroup empty copies.
    touch(root_ + "/cgroup.controllers", "cpu memory pids cpuset\n");
    for (const char* file :
         {"cgroup.subtree_control", "cgroup.procs", "cgroup.kill", "cgroup.freeze",
          "cgroup.events", "cpu.max", "cpu.weight", "cpu.stat", "memory.max", "memory.swap.max",
          "memory.current", "memory.peak", "memory.events", "pids.max", "pids.current",
          "cpuset.cpus", "cpuset.mems", "cpuset.mems.effective"}) {
      touch(root_ + "/" + file);
    }
    host_ = detect_cgroups(kV2Mountinfo, dir_).value();
    cgroup_ = make_cgroup(host_, "pocker/abc", fake_kernel()).value();
  }
  void TearDown() override {
    cgroup_.reset();
    TempTree::TearDown();
  }
  std::string leaf() const { return root_ + "/pocker/abc"; }

  std::string root_;
  CgroupHost host_;
  std::unique_ptr<Cgroup> cgroup_;
};

TEST_F(CgroupV2, CreateEnablesControllersTopDown) {
  ASSERT_TRUE(cgroup_->create());
  EXPECT_TRUE(exists(leaf()));
  EXPECT_EQ(slurp(root_ + "/cgroup.subtree_control"), "+cpu +memory +pids +cpuset");
  EXPECT_EQ(slurp(root_ + "/pocker/cgroup.subtree_control"), "+cpu +memory +pids +cpuset");
  // The leaf holds the processes: it never hands controllers further down.
  EXPECT_EQ(slurp(leaf() + "/cgroup.subtree_control"), "");
  EXPECT_EQ(slurp(leaf() + "/cgroup.controllers"), "cpu memory pids cpuset");
  EXPECT_EQ(cgroup_->path(), "/pocker/abc");
  EXPECT_EQ(cgroup_->dirs(), std::vector<std::string>{leaf()});
}

// Only what the limits need: each controller switched on costs every start.
TEST_F(CgroupV2, CreateEnablesOnlyTheControllersAskedFor) {
  auto cgroup = make_cgroup(host_, "pocker/def", fake_kernel(), v1_controllers_for(Resources{}));
  ASSERT_TRUE(cgroup);
  ASSERT_TRUE(cgroup.value()->create());
  EXPECT_EQ(slurp(root_ + "/cgroup.subtree_control"), "+memory +pids");
  EXPECT_EQ(slurp(root_ + "/pocker/cgroup.subtree_control"), "+memory +pids");
  EXPECT_EQ(slurp(root_ + "/pocker/def/cgroup.controllers"), "memory pids");
}

TEST_F(CgroupV2, ApplyWritesEveryLimit) {
  ASSERT_TRUE(cgroup_->create());
  touch(root_ + "/pocker/cpuset.mems.effective", "0\n");
  Resources r;
  r.cpus = 0.5;
  r.cpu_shares = 1024;
  r.memory = 64 << 20;
  r.memory_swap = 96 << 20;
  r.pids_limit = 100;
  r.cpuset_cpus = "0-1";
  auto warnings = cgroup_->apply(r);
  ASSERT_TRUE(warnings) << warnings.error().message();
  EXPECT_TRUE(warnings.value().empty());
  EXPECT_EQ(slurp(leaf() + "/cpu.max"), "50000 100000");
  EXPECT_EQ(slurp(leaf() + "/cpu.weight"), "39");
  EXPECT_EQ(slurp(leaf() + "/memory.max"), "67108864");
  EXPECT_EQ(slurp(leaf() + "/memory.swap.max"), "33554432");  // memory+swap minus memory
  EXPECT_EQ(slurp(leaf() + "/pids.max"), "100");
  EXPECT_EQ(slurp(leaf() + "/cpuset.cpus"), "0-1");
  EXPECT_EQ(slurp(leaf() + "/cpuset.mems"), "0");
}

TEST_F(CgroupV2, ApplyUnlimitedValuesAndDockerDefaults) {
  ASSERT_TRUE(cgroup_->create());
  Resources r;
  r.memory = 64 << 20;  // no --memory-swap: as much swap again
  r.pids_limit = -1;
  r.cpus = 0.01;
  r.cpu_shares = 2;
  ASSERT_TRUE(cgroup_->apply(r));
  EXPECT_EQ(slurp(leaf() + "/memory.swap.max"), "67108864");
  EXPECT_EQ(slurp(leaf() + "/pids.max"), "max");
  EXPECT_EQ(slurp(leaf() + "/cpu.max"), "1000 100000");
  EXPECT_EQ(slurp(leaf() + "/cpu.weight"), "1");
}

TEST_F(CgroupV2, ApplyMaxSwap) {
  ASSERT_TRUE(cgroup_->create());
  Resources r;
  r.memory = 64 << 20;
  r.memory_swap = -1;
  ASSERT_TRUE(cgroup_->apply(r));
  EXPECT_EQ(slurp(leaf() + "/memory.swap.max"), "max");
}

TEST_F(CgroupV2, SwapWithoutSwapAccountingIsAWarning) {
  ASSERT_TRUE(cgroup_->create());
  ASSERT_EQ(::unlink((leaf() + "/memory.swap.max").c_str()), 0);
  Resources r;
  r.memory = 64 << 20;
  r.memory_swap = 128 << 20;
  auto warnings = cgroup_->apply(r);
  ASSERT_TRUE(warnings) << warnings.error().message();
  ASSERT_EQ(warnings.value().size(), 1u);
  EXPECT_NE(warnings.value()[0].find("memory.swap.max"), std::string::npos);
  EXPECT_EQ(slurp(leaf() + "/memory.max"), "67108864");
  // Without --memory-swap there is nothing the user asked for: no warning.
  Resources memory_only;
  memory_only.memory = 64 << 20;
  EXPECT_TRUE(cgroup_->apply(memory_only).value().empty());
}

TEST_F(CgroupV2, AddPidAndOpenDir) {
  ASSERT_TRUE(cgroup_->create());
  ASSERT_TRUE(cgroup_->add_pid(::getpid()));
  EXPECT_EQ(slurp(leaf() + "/cgroup.procs"), std::to_string(::getpid()));
  touch(leaf() + "/cgroup.procs");  // the fake kernel never lets it go again
  auto fd = cgroup_->open_dir();
  ASSERT_TRUE(fd) << fd.error().message();
  EXPECT_TRUE(fd.value().valid());
}

TEST_F(CgroupV2, OpenTasksIsForV1Only) {
  ASSERT_TRUE(cgroup_->create());
  auto files = cgroup_->open_tasks();
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().err(), ENOTSUP);
}

TEST_F(CgroupV2, RemoveIfEmptyKeepsOnlyTheBusy) {
  auto kernel = fake_kernel();
  ASSERT_TRUE(kernel.make_dir(root_ + "/idle"));
  ASSERT_TRUE(kernel.make_dir(root_ + "/busy"));
  touch(root_ + "/busy/cgroup.procs", std::to_string(::getpid()) + "\n");
  auto busy = cgroupfs::remove_if_empty(kernel, {root_ + "/idle", root_ + "/busy", root_ + "/gone"});
  EXPECT_EQ(busy, std::vector<std::string>{root_ + "/busy"});
  EXPECT_FALSE(exists(root_ + "/idle"));
  touch(root_ + "/busy/cgroup.procs");
}

TEST_F(CgroupV2, StatsFromTheInterfaceFiles) {
  ASSERT_TRUE(cgroup_->create());
  touch(leaf() + "/cpu.stat", "usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n");
  touch(leaf() + "/memory.current", "4096\n");
  touch(leaf() + "/memory.peak", "8192\n");
  touch(leaf() + "/pids.current", "3\n");
  touch(leaf() + "/memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
  CgroupStats s = cgroup_->stats().value();
  EXPECT_EQ(s.cpu_usage_usec, 1234u);
  EXPECT_EQ(s.memory_current, 4096u);
  EXPECT_EQ(s.memory_peak, 8192u);
  EXPECT_EQ(s.pids_current, 3u);
  EXPECT_EQ(s.oom_kills, 1u);
  ASSERT_EQ(::unlink((leaf() + "/memory.peak").c_str()), 0);  // Linux before 5.19
  EXPECT_FALSE(cgroup_->stats().value().memory_peak);
  EXPECT_FALSE(s.frozen);
  touch(leaf() + "/memory.max", "max\n");
  EXPECT_FALSE(cgroup_->stats().value().memory_limit);
  touch(leaf() + "/memory.max", "67108864\n");
  touch(leaf() + "/cgroup.freeze", "1\n");
  EXPECT_EQ(cgroup_->stats().value().memory_limit, 67108864u);
  EXPECT_TRUE(cgroup_->stats().value().frozen);
}

TEST_F(CgroupV2, FreezeAndThaw) {
  ASSERT_TRUE(cgroup_->create());
  touch(leaf() + "/cgroup.events", "populated 1\nfrozen 1\n");
  ASSERT_TRUE(cgroup_->freeze(true));
  EXPECT_EQ(slurp(leaf() + "/cgroup.freeze"), "1");
  touch(leaf() + "/cgroup.events", "populated 1\nfrozen 0\n");
  ASSERT_TRUE(cgroup_->freeze(false));
  EXPECT_EQ(slurp(leaf() + "/cgroup.freeze"), "0");
}

TEST_F(CgroupV2, DestroyRemovesWhatItMadeAndIsIdempotent) {
  ASSERT_TRUE(cgroup_->create());
  ASSERT_TRUE(cgroup_->destroy());
  EXPECT_FALSE(exists(leaf()));
  EXPECT_FALSE(exists(root_ + "/pocker"));
  EXPECT_TRUE(exists(root_ + "/cgroup.procs"));  // the root is not ours
  EXPECT_TRUE(cgroup_->destroy());
}

TEST_F(CgroupV2, DestroyRemovesCgroupsNestedInside) {
  // A container with its own cgroup namespace may make sub-cgroups.
  ASSERT_TRUE(cgroup_->create());
  CgroupDirOps kernel = fake_kernel();
  ASSERT_TRUE(kernel.make_dir(leaf() + "/inner"));
  ASSERT_TRUE(kernel.make_dir(leaf() + "/inner/deeper"));
  ASSERT_TRUE(cgroup_->destroy());
  EXPECT_FALSE(exists(root_ + "/pocker"));
}

TEST_F(CgroupV2, DestroyKeepsAParentAnotherContainerUses) {
  auto other = make_cgroup(host_, "pocker/def", fake_kernel()).value();
  ASSERT_TRUE(cgroup_->create());
  ASSERT_TRUE(other->create());
  ASSERT_TRUE(cgroup_->destroy());
  EXPECT_FALSE(exists(leaf()));
  EXPECT_TRUE(exists(root_ + "/pocker/def"));
  ASSERT_TRUE(other->destroy());
  EXPECT_FALSE(exists(root_ + "/pocker/def"));
}

TEST_F(CgroupV2, NoControllersMeansPlacementOnly) {
  // A hybrid host's unified mount: cgroup2 with no controllers.
  touch(root_ + "/cgroup.controllers", "");
  ASSERT_TRUE(cgroup_->create());
  EXPECT_EQ(slurp(root_ + "/cgroup.subtree_control"), "");
  EXPECT_TRUE(cgroup_->apply(Resources{}));
  Resources r;
  r.memory = 64 << 20;
  auto applied = cgroup_->apply(r);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().err(), ENOTSUP);
  EXPECT_NE(applied.error().message().find("cannot apply --memory: the memory controller is not "
                                           "enabled in " + leaf() + " (cgroup.controllers: none)"),
            std::string::npos)
      << applied.error().message();
  ASSERT_TRUE(cgroup_->add_pid(::getpid()));
  touch(leaf() + "/cgroup.procs");
  EXPECT_TRUE(cgroup_->destroy());
}

TEST_F(CgroupV2, RejectsBadRelativePaths) {
  for (const char* bad : {"", "/", "../x", "pocker/../x", "pocker//x", "pocker/./x"}) {
    EXPECT_FALSE(make_cgroup(host_, bad)) << bad;
  }
  EXPECT_EQ(make_cgroup(host_, "/pocker/x/").value()->path(), "/pocker/x");
}

TEST_F(CgroupV2, StaleCgroupsAreTheEmptyOnes) {
  auto busy = make_cgroup(host_, "pocker/busy", fake_kernel()).value();
  ASSERT_TRUE(cgroup_->create());
  ASSERT_TRUE(busy->create());
  touch(root_ + "/pocker/busy/cgroup.procs", std::to_string(::getpid()) + "\n");
  EXPECT_EQ(find_stale_cgroups(host_, "pocker", fake_kernel()).value(),
            std::vector<std::string>{"pocker/abc"});
  auto kept = cleanup_stale_cgroups(
      host_, "pocker", [](const std::string& path) { return path == "pocker/abc"; },
      fake_kernel());
  EXPECT_TRUE(kept.value().empty());
  EXPECT_TRUE(exists(leaf()));
  EXPECT_EQ(cleanup_stale_cgroups(host_, "pocker", {}, fake_kernel()).value(),
            std::vector<std::string>{"pocker/abc"});
  EXPECT_FALSE(exists(leaf()));
  EXPECT_TRUE(exists(root_ + "/pocker/busy"));
  touch(root_ + "/pocker/busy/cgroup.procs");
  EXPECT_TRUE(busy->destroy());
}

// ---------------------------------------------------------------------------
// The v1 driver, on fake per-controller hierarchies

constexpr const char* kFakeV1Mountinfo =
    "28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "29 24 0:25 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
    "30 24 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "31 24 0:27 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
    "32 24 0:28 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
    "33 24 0:29 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n";

class CgroupV1 : public TempTree {
 protected:
  void SetUp() override {
    TempTree::SetUp();
    root_ = dir_ + "/sys/fs/cgroup";
    const std::vector<std::pair<std::string, std::vector<std::string>>> hierarchies = {
        {"cpu,cpuacct", {"cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares", "cpuacct.usage"}},
        {"cpuset", {"cpuset.cpus", "cpuset.mems"}},
        {"memory",
         {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.usage_in_bytes",
          "memory.max_usage_in_bytes", "memory.oom_control", "memory.failcnt"}},
        {"pids", {"pids.max", "pids.current"}},
        {"freezer", {"freezer.state"}},
        {"systemd", {}},
    };
    for (const auto& [name, files] : hierarchies) {
      ASSERT_TRUE(make_dirs(root_ + "/" + name));
      touch(root_ + "/" + name + "/cgroup.procs");
      touch(root_ + "/" + name + "/tasks");
      for (const auto& file : files) touch(root_ + "/" + name + "/" + file);
    }
    touch(root_ + "/cpuset/cpuset.cpus", "0-1\n");
    touch(root_ + "/cpuset/cpuset.mems", "0\n");
    host_ = detect_cgroups(kFakeV1Mountinfo, dir_).value();
    cgroup_ = make_cgroup(host_, "pocker/abc", fake_kernel()).value();
  }
  void TearDown() override {
    cgroup_.reset();
    TempTree::TearDown();
  }
  std::string leaf(const std::string& hierarchy) const {
    return root_ + "/" + hierarchy + "/pocker/abc";
  }

  std::string root_;
  CgroupHost host_;
  std::unique_ptr<Cgroup> cgroup_;
};

TEST_F(CgroupV1, CreateMakesOneDirPerHierarchyAndFillsCpusets) {
  ASSERT_EQ(host_.layout, CgroupLayout::kV1);
  ASSERT_TRUE(cgroup_->create());
  EXPECT_EQ(cgroup_->dirs(),
            (std::vector<std::string>{leaf("cpu,cpuacct"), leaf("cpuset"), leaf("memory"),
                                      leaf("pids"), leaf("freezer")}));
  for (const auto& dir : cgroup_->dirs()) EXPECT_TRUE(exists(dir)) << dir;
  EXPECT_FALSE(exists(leaf("systemd")));  // a named hierarchy limits nothing
  // Both the intermediate level and the leaf get the parent's cpus and mems.
  EXPECT_EQ(slurp(root_ + "/cpuset/pocker/cpuset.cpus"), "0-1");
  EXPECT_EQ(slurp(root_ + "/cpuset/pocker/cpuset.mems"), "0");
  EXPECT_EQ(slurp(leaf("cpuset") + "/cpuset.cpus"), "0-1");
  EXPECT_EQ(slurp(leaf("cpuset") + "/cpuset.mems"), "0");
  EXPECT_EQ(cgroup_->path(), "/pocker/abc");
}

TEST_F(CgroupV1, ApplyWritesEveryLimit) {
  ASSERT_TRUE(cgroup_->create());
  touch(leaf("cpuset") + "/cpuset.cpus");  // make room: the fake never truncates
  Resources r;
  r.cpus = 0.5;
  r.cpu_shares = 512;
  r.memory = 64 << 20;
  r.memory_swap = 96 << 20;
  r.pids_limit = 50;
  r.cpuset_cpus = "1";
  auto warnings = cgroup_->apply(r);
  ASSERT_TRUE(warnings) << warnings.error().message();
  EXPECT_TRUE(warnings.value().empty());
  EXPECT_EQ(slurp(leaf("cpu,cpuacct") + "/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(slurp(leaf("cpu,cpuacct") + "/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(slurp(leaf("cpu,cpuacct") + "/cpu.shares"), "512");
  EXPECT_EQ(slurp(leaf("memory") + "/memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(slurp(leaf("memory") + "/memory.memsw.limit_in_bytes"), "100663296");
  EXPECT_EQ(slurp(leaf("pids") + "/pids.max"), "50");
  EXPECT_EQ(slurp(leaf("cpuset") + "/cpuset.cpus"), "1");
  EXPECT_EQ(slurp(leaf("cpuset") + "/cpuset.mems"), "0");
}

TEST_F(CgroupV1, SwapWithoutMemswIsAWarning) {
  ASSERT_TRUE(cgroup_->create());
  ASSERT_EQ(::unlink((leaf("memory") + "/memory.memsw.limit_in_bytes").c_str()), 0);
  Resources r;
  r.memory = 64 << 20;
  r.memory_swap = -1;
  auto warnings = cgroup_->apply(r);
  ASSERT_TRUE(warnings) << warnings.error().message();
  ASSERT_EQ(warnings.value().size(), 1u);
  EXPECT_NE(warnings.value()[0].find("memory.memsw.limit_in_bytes"), std::string::npos);
  EXPECT_EQ(slurp(leaf("memory") + "/memory.limit_in_bytes"), "67108864");
}

TEST_F(CgroupV1, AddPidJoinsEveryHierarchyButNoDirFd) {
  ASSERT_TRUE(cgroup_->create());
  ASSERT_TRUE(cgroup_->add_pid(::getpid()));
  for (const auto& dir : cgroup_->dirs()) {
    EXPECT_EQ(slurp(dir + "/cgroup.procs"), std::to_string(::getpid())) << dir;
    touch(dir + "/cgroup.procs");
  }
  auto fd = cgroup_->open_dir();
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().err(), ENOTSUP);
}

TEST_F(CgroupV1, OpenTasksLetsAProcessJoinEveryHierarchyByItself) {
  ASSERT_TRUE(cgroup_->create());
  auto files = cgroup_->open_tasks();
  ASSERT_TRUE(files) << files.error().message();
  ASSERT_EQ(files.value().size(), cgroup_->dirs().size());
  for (size_t i = 0; i < files.value().size(); ++i) {
    EXPECT_EQ(files.value()[i].path, cgroup_->dirs()[i] + "/tasks");
  }
  ASSERT_TRUE(cgroupfs::join_self(files.value()));
  // "0": the writer itself, as the kernel reads it.
  for (const auto& dir : cgroup_->dirs()) EXPECT_EQ(slurp(dir + "/tasks"), "0") << dir;
}

TEST_F(CgroupV1, OpenTasksNamesAMissingFile) {
  ASSERT_TRUE(cgroup_->create());
  ASSERT_EQ(::unlink((leaf("pids") + "/tasks").c_str()), 0);
  auto files = cgroup_->open_tasks();
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().err(), ENOENT);
  EXPECT_NE(files.error().message().find(leaf("pids") + "/tasks"), std::string::npos);
}

TEST(CgroupControllers, AccountingAlwaysLimitsOnlyWhenAsked) {
  // devices too: every container gets device rules (src/security/devices.cpp).
  const std::vector<std::string> accounting = {"cpuacct", "memory", "pids", "freezer", "devices"};
  EXPECT_EQ(v1_controllers_for(Resources{}), accounting);
  Resources r;
  r.memory = 64 << 20;
  r.pids_limit = 10;
  EXPECT_EQ(v1_controllers_for(r), accounting);
  r.cpus = 1;
  r.cpuset_cpus = "0";
  EXPECT_EQ(v1_controllers_for(r),
            (std::vector<std::string>{"cpuacct", "memory", "pids", "freezer", "devices", "cpu", "cpuset"}));
  Resources shares;
  shares.cpu_shares = 512;
  EXPECT_EQ(v1_controllers_for(shares).back(), "cpu");
}

TEST_F(CgroupV1, OnlyTheHierarchiesAskedFor) {
  auto cgroup = make_cgroup(host_, "pocker/few", fake_kernel(), v1_controllers_for(Resources{}));
  ASSERT_TRUE(cgroup);
  // cpuacct shares its hierarchy with cpu here, so cpu comes along.
  EXPECT_EQ(cgroup.value()->dirs(),
            (std::vector<std::string>{root_ + "/cpu,cpuacct/pocker/few", root_ + "/memory/pocker/few",
                                      root_ + "/pids/pocker/few", root_ + "/freezer/pocker/few"}));
  ASSERT_TRUE(cgroup.value()->create());
  EXPECT_FALSE(exists(root_ + "/cpuset/pocker"));
  Resources r;
  r.cpus = 0.5;  // cpu is usable: its hierarchy is in
  ASSERT_TRUE(cgroup.value()->apply(r));
  EXPECT_EQ(slurp(root_ + "/cpu,cpuacct/pocker/few/cpu.cfs_quota_us"), "50000");
  ASSERT_TRUE(cgroup.value()->destroy());
  EXPECT_FALSE(exists(root_ + "/memory/pocker"));
}

TEST_F(CgroupV1, AddPidJoinsOnlyTheHierarchiesTheCgroupHas) {
  auto few = make_cgroup(host_, "pocker/few", fake_kernel(), {"memory"}).value();
  ASSERT_TRUE(few->create());
  // `pocker exec` knows only the path: its driver covers every hierarchy.
  auto all = make_cgroup(host_, "pocker/few", fake_kernel()).value();
  ASSERT_TRUE(all->add_pid(::getpid()));
  EXPECT_EQ(slurp(root_ + "/memory/pocker/few/cgroup.procs"), std::to_string(::getpid()));
  touch(root_ + "/memory/pocker/few/cgroup.procs");
  auto none = make_cgroup(host_, "pocker/none", fake_kernel()).value();
  auto added = none->add_pid(::getpid());
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().err(), ENOENT);
  EXPECT_TRUE(all->destroy());
}

TEST_F(CgroupV1, StatsFromTheInterfaceFiles) {
  ASSERT_TRUE(cgroup_->create());
  touch(leaf("cpu,cpuacct") + "/cpuacct.usage", "5000000\n");  // nanoseconds
  touch(leaf("memory") + "/memory.usage_in_bytes", "4096\n");
  touch(leaf("memory") + "/memory.max_usage_in_bytes", "8192\n");
  touch(leaf("memory") + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  touch(leaf("memory") + "/memory.failcnt", "9\n");
  touch(leaf("pids") + "/pids.current", "2\n");
  CgroupStats s = cgroup_->stats().value();
  EXPECT_EQ(s.cpu_usage_usec, 5000u);
  EXPECT_EQ(s.memory_current, 4096u);
  EXPECT_EQ(s.memory_peak, 8192u);
  EXPECT_EQ(s.pids_current, 2u);
  EXPECT_EQ(s.oom_kills, 2u);
  // Before Linux 4.13 memory.oom_control has no oom_kill line.
  touch(leaf("memory") + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
  EXPECT_EQ(cgroup_->stats().value().oom_kills, 9u);
  // No limit: v1 shows PAGE_COUNTER_MAX pages in bytes.
  touch(leaf("memory") + "/memory.limit_in_bytes", "9223372036854771712\n");
  touch(leaf("freezer") + "/freezer.state", "THAWED\n");
  EXPECT_FALSE(cgroup_->stats().value().memory_limit);
  EXPECT_FALSE(cgroup_->stats().value().frozen);
  touch(leaf("memory") + "/memory.limit_in_bytes", "67108864\n");
  touch(leaf("freezer") + "/freezer.state", "FROZEN\n");
  EXPECT_EQ(cgroup_->stats().value().memory_limit, 67108864u);
  EXPECT_TRUE(cgroup_->stats().value().frozen);
}

TEST_F(CgroupV1, FreezeWritesFreezerState) {
  ASSERT_TRUE(cgroup_->create());
  ASSERT_TRUE(cgroup_->freeze(true));
  EXPECT_EQ(slurp(leaf("freezer") + "/freezer.state"), "FROZEN");
  ASSERT_TRUE(cgroup_->freeze(false));
  EXPECT_EQ(slurp(leaf("freezer") + "/freezer.state"), "THAWED");
}

TEST_F(CgroupV1, DestroyRemovesEveryDirectory) {
  ASSERT_TRUE(cgroup_->create());
  ASSERT_TRUE(cgroup_->destroy());
  for (const char* hierarchy : {"cpu,cpuacct", "cpuset", "memory", "pids", "freezer"}) {
    EXPECT_FALSE(exists(root_ + "/" + hierarchy + "/pocker")) << hierarchy;
    EXPECT_TRUE(exists(root_ + "/" + hierarchy + "/cgroup.procs")) << hierarchy;
  }
  EXPECT_TRUE(cgroup_->destroy());
}

TEST_F(CgroupV1, MissingControllerFailsTheLimitThatNeedsIt) {
  CgroupHost memory_only;
  memory_only.layout = CgroupLayout::kV1;
  memory_only.v1_mounts["memory"] = root_ + "/memory";
  auto cgroup = make_cgroup(memory_only, "pocker/mem", fake_kernel()).value();
  ASSERT_TRUE(cgroup->create());
  Resources r;
  r.cpus = 1;
  auto applied = cgroup->apply(r);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().what(),
            "cannot apply --cpus: the cpu controller is not mounted (cgroup v1)");
  EXPECT_FALSE(cgroup->freeze(true));
  EXPECT_TRUE(cgroup->destroy());
  EXPECT_FALSE(exists(root_ + "/memory/pocker"));
}

// ---------------------------------------------------------------------------
// Real cgroups on this machine (root only)

// Destroys the cgroup and removes its top directory at the end of the test,
// however the test ended.
class RealCgroup {
 public:
  RealCgroup(std::unique_ptr<Cgroup> cgroup, std::vector<std::string> tops)
      : cgroup_(std::move(cgroup)), tops_(std::move(tops)) {}
  ~RealCgroup() {
    (void)cgroup_->destroy();
    for (const auto& top : tops_) (void)cgroupfs::remove_dir({}, top);
  }
  RealCgroup(const RealCgroup&) = delete;
  RealCgroup& operator=(const RealCgroup&) = delete;
  Cgroup* operator->() { return cgroup_.get(); }

 private:
  std::unique_ptr<Cgroup> cgroup_;
  std::vector<std::string> tops_;
};

// Where the test cgroup's top level goes in every directory `cgroup` owns.
std::vector<std::string> tops_of(const Cgroup& cgroup) {
  std::vector<std::string> tops;
  for (const auto& dir : cgroup.dirs()) tops.push_back(dir.substr(0, dir.rfind('/')));
  return tops;
}

bool cannot_write_cgroups(int err) { return err == EACCES || err == EPERM || err == EROFS; }

TEST(CgroupIntegration, LimitsStatsAndCleanupOnThisHost) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
  auto host = detect_cgroups();
  ASSERT_TRUE(host) << host.error().message();
  if (host.value().layout == CgroupLayout::kNone) GTEST_SKIP() << "no cgroup file system mounted";
  std::string relative = "pocker-unit-" + std::to_string(::getpid()) + "/x";
  auto made = make_cgroup(host.value(), relative);
  ASSERT_TRUE(made) << made.error().message();
  auto tops = tops_of(*made.value());
  RealCgroup cgroup(std::move(made).value(), tops);

  auto created = cgroup->create();
  if (!created && cannot_write_cgroups(created.error().err())) {
    GTEST_SKIP() << "no writable cgroup file system: " << created.error().message();
  }
  ASSERT_TRUE(created) << created.error().message();
  Resources r;
  r.memory = 64 << 20;
  r.pids_limit = 32;
  auto warnings = cgroup->apply(r);
  ASSERT_TRUE(warnings) << warnings.error().message();

  Child child = spawn({}, [] {
    while (true) ::pause();
    return 0;
  }).value();
  ASSERT_TRUE(cgroup->add_pid(child.pid()));
  std::string membership = slurp("/proc/" + std::to_string(child.pid()) + "/cgroup");
  EXPECT_NE(membership.find("/" + relative), std::string::npos) << membership;

  auto stats = cgroup->stats();
  ASSERT_TRUE(stats) << stats.error().message();
  ASSERT_TRUE(stats.value().pids_current) << describe(host.value());
  EXPECT_EQ(*stats.value().pids_current, 1u);
  EXPECT_TRUE(stats.value().memory_current);
  EXPECT_EQ(stats.value().oom_kills.value_or(0), 0u);

  // destroy() kills the child itself: what a container left running.
  auto destroyed = cgroup->destroy();
  ASSERT_TRUE(destroyed) << destroyed.error().message();
  ExitStatus status = child.wait().value();
  EXPECT_EQ(status.signal, SIGKILL);
  for (const auto& dir : cgroup->dirs()) EXPECT_FALSE(exists(dir)) << dir;
  for (const auto& top : tops) EXPECT_FALSE(exists(top)) << top;
}

// A child moving itself into real v1 cgroups through their tasks files,
// opened by the parent before the fork, as `pocker run` does on v1.
TEST(CgroupIntegration, ChildJoinsV1ByItself) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
  auto host = detect_cgroups();
  ASSERT_TRUE(host) << host.error().message();
  if (host.value().v1_mounts.empty()) GTEST_SKIP() << "no cgroup v1 hierarchy: " << describe(host.value());
  std::string relative = "pocker-unit-" + std::to_string(::getpid()) + "/self";
  auto made = make_cgroup_v1(host.value().v1_mounts, relative);
  ASSERT_TRUE(made) << made.error().message();
  auto tops = tops_of(*made.value());
  RealCgroup cgroup(std::move(made).value(), tops);
  auto created = cgroup->create();
  if (!created && cannot_write_cgroups(created.error().err())) {
    GTEST_SKIP() << "no writable cgroup v1 hierarchy: " << created.error().message();
  }
  ASSERT_TRUE(created) << created.error().message();
  auto files = cgroup->open_tasks();
  ASSERT_TRUE(files) << files.error().message();
  Child child = spawn({}, [&files] {
    if (!cgroupfs::join_self(files.value())) return 1;
    while (true) ::pause();
    return 0;
  }).value();
  // Every hierarchy lists the child once it has joined; give it a moment.
  bool joined = false;
  for (int i = 0; i < 200 && !joined; ++i) {
    joined = true;
    for (const auto& dir : cgroup->dirs()) {
      auto pids = cgroupfs::read_pids(dir + "/cgroup.procs");
      joined = joined && pids && pids.value() == std::vector<pid_t>{child.pid()};
    }
    if (!joined) ::usleep(5000);
  }
  EXPECT_TRUE(joined) << slurp("/proc/" + std::to_string(child.pid()) + "/cgroup");
  ASSERT_TRUE(cgroup->destroy());
  EXPECT_EQ(child.wait().value().signal, SIGKILL);
  for (const auto& top : tops) EXPECT_FALSE(exists(top)) << top;
}

// clone3(CLONE_INTO_CGROUP) into a real cgroup2 directory: on a hybrid host
// this is the controller-less unified mount, where placement still works.
TEST(CgroupIntegration, CloneIntoCgroupV2AndKill) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
  auto host = detect_cgroups();
  ASSERT_TRUE(host) << host.error().message();
  if (host.value().unified.empty()) GTEST_SKIP() << "no cgroup2 mount";
  std::string relative = "pocker-unit-" + std::to_string(::getpid()) + "/v2";
  auto made = make_cgroup_v2(host.value().unified, relative);
  ASSERT_TRUE(made) << made.error().message();
  auto tops = tops_of(*made.value());
  RealCgroup cgroup(std::move(made).value(), tops);
  auto created = cgroup->create();
  if (!created && cannot_write_cgroups(created.error().err())) {
    GTEST_SKIP() << "cgroup2 mount not writable: " << created.error().message();
  }
  ASSERT_TRUE(created) << created.error().message();
  Fd dir = cgroup->open_dir().value();
  CloneOptions options;
  options.cgroup_fd = dir.get();
  auto spawned = spawn(options, [] {
    while (true) ::pause();
    return 0;
  });
  if (!spawned && spawned.error().err() == ENOSYS) GTEST_SKIP() << "no clone3 on this kernel";
  ASSERT_TRUE(spawned) << spawned.error().message();
  Child child = std::move(spawned).value();
  std::string membership = slurp("/proc/" + std::to_string(child.pid()) + "/cgroup");
  EXPECT_NE(membership.find("0::/" + relative), std::string::npos) << membership;
  auto destroyed = cgroup->destroy();
  ASSERT_TRUE(destroyed) << destroyed.error().message();
  EXPECT_EQ(child.wait().value().signal, SIGKILL);
  for (const auto& top : tops) EXPECT_FALSE(exists(top)) << top;
}

}  // namespace
}  // namespace pocker
