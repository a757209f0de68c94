// Rootless cgroups: finding the subtree delegated to the caller, on fake
// cgroup v2 trees in a temporary directory. Owners are injected (a map from
// path to uid), so the tests need no chown and pass as root or not; one test
// uses the real stat(2), and one the real kernel (as root).
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include <gtest/gtest.h>

#include "fake_cgroupfs.hpp"
#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"
#include "pocker/process.hpp"

namespace pocker {
namespace {

using cgroupfs::exists;

constexpr uid_t kUser = 1001;

// A systemd host on cgroup v2, as seen by uid 1001 in a scope made by
// `systemd-run --user --scope`: user@1001.service and all below it belong
// to the user (systemd chowns the service, the user's manager makes the
// rest), user-1001.slice and above to root.
constexpr const char* kUserManager = "/user.slice/user-1001.slice/user@1001.service";
constexpr const char* kScope = "/user.slice/user-1001.slice/user@1001.service/app.slice/run-r1.scope";
constexpr const char* kSession = "/user.slice/user-1001.slice/session-2.scope";

class DelegatedTree : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("/tmp/pocker-delegation-test-").value();
    mount_ = dir_ + "/sys/fs/cgroup";
    std::string mountinfo = "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
    make_cgroup_dir("/", "cpu memory pids cpuset io", "1\n");
    host_ = detect_cgroups(mountinfo, dir_).value();
    ASSERT_EQ(host_.layout, CgroupLayout::kV2);
    make_cgroup_dir("/user.slice", "cpu memory pids cpuset");
    make_cgroup_dir("/user.slice/user-1001.slice", "cpu memory pids cpuset");
    make_cgroup_dir(kSession, "cpu memory pids", "4242\n");
    // user@.service's default delegation: not every controller.
    make_cgroup_dir(kUserManager, "memory pids");
    make_cgroup_dir(std::string(kUserManager) + "/init.scope", "memory pids", "900\n");
    make_cgroup_dir(std::string(kUserManager) + "/app.slice", "memory pids");
    make_cgroup_dir(kScope, "memory pids", std::to_string(::getpid()) + "\n");
    give_to_user(kUserManager);
    give_to_user(std::string(kUserManager) + "/init.scope");
    give_to_user(std::string(kUserManager) + "/app.slice");
    give_to_user(kScope);
  }
  void TearDown() override { (void)remove_tree(dir_); }

  std::string dir(const std::string& cgroup) const {
    return cgroup == "/" ? mount_ : mount_ + cgroup;
  }
  // A cgroup with the three files delegation looks at, owned by root.
  void make_cgroup_dir(const std::string& cgroup, const std::string& controllers,
                       const std::string& procs = "") {
    ASSERT_TRUE(make_dirs(dir(cgroup)));
    ASSERT_TRUE(write_file_atomic(dir(cgroup) + "/cgroup.controllers", controllers + "\n"));
    ASSERT_TRUE(write_file_atomic(dir(cgroup) + "/cgroup.subtree_control", ""));
    ASSERT_TRUE(write_file_atomic(dir(cgroup) + "/cgroup.procs", procs));
  }
  // What systemd's Delegate=yes does: chown the directory and its files.
  void give_to_user(const std::string& cgroup) {
    for (const char* file : {"", "/cgroup.procs", "/cgroup.subtree_control"}) {
      owners_[dir(cgroup) + file] = kUser;
    }
  }
  DelegationProbe probe(const std::string& own) {
    DelegationProbe p;
    p.uid = kUser;
    p.proc_self_cgroup = "0::" + own + "\n";
    p.owner = [this](const std::string& path) -> std::optional<uid_t> {
      if (!exists(path)) return std::nullopt;
      auto it = owners_.find(path);
      return it == owners_.end() ? 0 : it->second;
    };
    return p;
  }

  std::string dir_;
  std::string mount_;
  CgroupHost host_;
  std::map<std::string, uid_t> owners_;
};

TEST_F(DelegatedTree, UserScopeFindsTheUserManagerAsTop) {
  auto d = find_delegation(host_, probe(kScope));
  EXPECT_TRUE(d.found()) << d.why_not;
  EXPECT_EQ(d.own, kScope);
  // Up to the highest level that is the user's: user-1001.slice is root's.
  EXPECT_EQ(d.top, kUserManager);
  EXPECT_EQ(d.controllers, (std::vector<std::string>{"memory", "pids"}));
}

TEST_F(DelegatedTree, ALoginSessionIsNotDelegated) {
  auto d = find_delegation(host_, probe(kSession));
  EXPECT_FALSE(d.found());
  EXPECT_EQ(d.why_not, std::string("your cgroup ") + kSession + " belongs to uid 0");
  EXPECT_NE(d.fix.find("systemd-run --user --scope -p Delegate=yes"), std::string::npos) << d.fix;
}

TEST_F(DelegatedTree, EveryFilePockerWritesMustBeTheCallers) {
  // A directory chowned alone is not a delegation: pocker writes cgroup.procs.
  owners_[dir(kScope) + "/cgroup.procs"] = 0;
  auto d = find_delegation(host_, probe(kScope));
  EXPECT_FALSE(d.found());
  EXPECT_EQ(d.why_not, std::string("your cgroup ") + kScope + " belongs to uid 0 (its cgroup.procs)");
  // A parent whose cgroup.subtree_control is root's ends the subtree below it.
  owners_[dir(kScope) + "/cgroup.procs"] = kUser;
  owners_[dir(kUserManager) + "/cgroup.subtree_control"] = 0;
  d = find_delegation(host_, probe(kScope));
  EXPECT_TRUE(d.found()) << d.why_not;
  EXPECT_EQ(d.top, std::string(kUserManager) + "/app.slice");
}

TEST_F(DelegatedTree, TheSubtreeStopsAtTheFirstLevelThatIsNotTheCallers) {
  // Owned, not owned, owned: the top is below the gap, never above it.
  owners_[dir(std::string(kUserManager) + "/app.slice")] = 0;
  ASSERT_TRUE(write_file_atomic(dir(kScope) + "/cgroup.procs", ""));
  auto d = find_delegation(host_, probe(kScope));
  EXPECT_TRUE(d.found()) << d.why_not;
  EXPECT_EQ(d.top, kScope);
}

TEST_F(DelegatedTree, ATopWithProcessesCannotGiveControllers) {
  // A delegated system service, itself the top: pocker runs in it.
  make_cgroup_dir("/system.slice", "cpu memory pids");
  make_cgroup_dir("/system.slice/lab.service", "cpu memory pids",
                  std::to_string(::getpid()) + "\n");
  give_to_user("/system.slice/lab.service");
  auto d = find_delegation(host_, probe("/system.slice/lab.service"));
  EXPECT_FALSE(d.found());
  EXPECT_EQ(d.top, "/system.slice/lab.service");
  EXPECT_NE(d.why_not.find("holds pocker itself"), std::string::npos) << d.why_not;
  EXPECT_NE(d.why_not.find("cannot give controllers to its children"), std::string::npos);
  EXPECT_EQ(d.fix, "move them into a child cgroup first; for a shell: mkdir " +
                       dir("/system.slice/lab.service") + "/shell && echo $$ > " +
                       dir("/system.slice/lab.service") + "/shell/cgroup.procs");
  // After the move, the top is empty and pocker's own cgroup is below it.
  make_cgroup_dir("/system.slice/lab.service/shell", "", std::to_string(::getpid()) + "\n");
  give_to_user("/system.slice/lab.service/shell");
  ASSERT_TRUE(write_file_atomic(dir("/system.slice/lab.service") + "/cgroup.procs", ""));
  d = find_delegation(host_, probe("/system.slice/lab.service/shell"));
  EXPECT_TRUE(d.found()) << d.why_not;
  EXPECT_EQ(d.top, "/system.slice/lab.service");
}

TEST_F(DelegatedTree, OtherProcessesInTheTopAreCounted) {
  ASSERT_TRUE(write_file_atomic(dir(kUserManager) + "/cgroup.procs", "1\n2\n"));
  auto d = find_delegation(host_, probe(kScope));
  EXPECT_FALSE(d.found());
  EXPECT_NE(d.why_not.find("holds 2 process(es)"), std::string::npos) << d.why_not;
}

TEST_F(DelegatedTree, TheRootCgroupMayHoldProcesses) {
  // cgroup-v2.rst: the root is exempt from the no-internal-process rule.
  for (const auto& cgroup : {std::string("/"), std::string("/user.slice"),
                             std::string("/user.slice/user-1001.slice")}) {
    give_to_user(cgroup);
  }
  auto d = find_delegation(host_, probe(kScope));
  EXPECT_TRUE(d.found()) << d.why_not;
  EXPECT_EQ(d.top, "/");
  auto host = delegated_host(host_, d, {});
  ASSERT_TRUE(host) << host.error().message();
  EXPECT_EQ(host.value().unified, mount_);
}

TEST_F(DelegatedTree, V1AndHybridAreNeverDelegated) {
  CgroupHost hybrid = host_;
  hybrid.layout = CgroupLayout::kHybrid;
  auto d = find_delegation(hybrid, probe(kScope));
  EXPECT_FALSE(d.found());
  EXPECT_EQ(d.why_not, "this host has hybrid cgroups, and cgroup v1 cannot be delegated safely");
  EXPECT_NE(d.fix.find("run as root"), std::string::npos);
  Resources r;
  r.memory = 64ULL << 20;
  auto refused = delegated_host(hybrid, d, r);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().err(), 0);  // a user error: exit 125
  EXPECT_EQ(refused.error().message().rfind("rootless limits (--memory) need a cgroup v2 subtree "
                                            "delegated to you, but this host has hybrid cgroups",
                                            0),
            0u)
      << refused.error().message();

  CgroupHost none;
  d = find_delegation(none, probe(kScope));
  EXPECT_EQ(d.why_not, "no cgroup file system is mounted");
}

TEST_F(DelegatedTree, OwnCgroupMustBeVisible) {
  DelegationProbe p = probe(kScope);
  p.proc_self_cgroup = "1:name=systemd:/\n";
  EXPECT_EQ(find_delegation(host_, p).why_not, "/proc/self/cgroup has no cgroup v2 line (0::)");
  p.proc_self_cgroup = "0::/../other.scope\n";
  EXPECT_EQ(find_delegation(host_, p).why_not,
            "your cgroup /../other.scope is outside this cgroup namespace");
  // A hybrid host's /proc/self/cgroup: many lines, the v2 one last.
  p.proc_self_cgroup = std::string("12:pids:/user.slice\n1:name=systemd:/x\n0::") + kScope + "\n";
  EXPECT_TRUE(find_delegation(host_, p).found());
}

TEST_F(DelegatedTree, ControllersTheLimitsNeed) {
  Resources r;
  EXPECT_TRUE(v2_controllers_for(r).empty());
  r.cpus = 0.5;
  r.memory_swap = -1;
  r.pids_limit = 10;
  r.cpuset_cpus = "0";
  EXPECT_EQ(v2_controllers_for(r), (std::vector<std::string>{"cpu", "memory", "pids", "cpuset"}));
}

TEST_F(DelegatedTree, AMissingControllerIsNamedWithTheFix) {
  auto d = find_delegation(host_, probe(kScope));
  ASSERT_TRUE(d.found());
  EXPECT_EQ(missing_controllers(d, {"memory", "pids"}), "");
  Resources r;
  r.cpus = 0.5;
  r.memory = 64ULL << 20;
  auto refused = delegated_host(host_, d, r);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().err(), 0);
  EXPECT_EQ(refused.error().message(),
            std::string("controller cpu (--cpus) is not delegated to you: ") + kUserManager +
                " offers only memory pids; as root, put `Delegate=cpu cpuset memory pids` under "
                "[Service] in /etc/systemd/system/user@.service.d/delegate.conf, run `systemctl "
                "daemon-reload`, and log in again");
  EXPECT_EQ(missing_controllers(d, {"cpu", "cpuset"}).rfind("controllers cpu, cpuset are not "
                                                            "delegated to you: ",
                                                            0),
            0u);
}

TEST_F(DelegatedTree, PockersCgroupsGoBelowTheTop) {
  auto d = find_delegation(host_, probe(kScope));
  Resources r;
  r.memory = 64ULL << 20;
  r.pids_limit = 20;
  auto host = delegated_host(host_, d, r);
  ASSERT_TRUE(host) << host.error().message();
  EXPECT_EQ(host.value().layout, CgroupLayout::kV2);
  EXPECT_EQ(host.value().unified, dir(kUserManager));

  // The v2 driver, unchanged, on the re-rooted host: it switches the
  // delegated controllers on in the top and in `pocker`, never in the leaf.
  for (const char* file : {"memory.max", "memory.events", "pids.max", "cgroup.kill"}) {
    ASSERT_TRUE(write_file_atomic(dir(kUserManager) + "/" + file, ""));
  }
  auto cgroup = make_cgroup(host.value(), "pocker/abc", fake_kernel()).value();
  ASSERT_TRUE(cgroup->create());
  std::string leaf = dir(kUserManager) + "/pocker/abc";
  EXPECT_EQ(read_file(dir(kUserManager) + "/cgroup.subtree_control").value(), "+memory +pids");
  EXPECT_EQ(read_file(leaf + "/cgroup.controllers").value(), "memory pids");
  auto warnings = cgroup->apply(r);
  ASSERT_TRUE(warnings) << warnings.error().message();
  EXPECT_EQ(read_file(leaf + "/memory.max").value(), "67108864");
  EXPECT_EQ(read_file(leaf + "/pids.max").value(), "20");
  // The user's own cgroups are not touched.
  EXPECT_EQ(read_file(dir(kScope) + "/cgroup.subtree_control").value(), "");

  // OOM kills are read from the delegated leaf.
  ASSERT_TRUE(write_file_atomic(leaf + "/memory.events", "oom 1\noom_kill 1\n"));
  EXPECT_EQ(cgroup->stats().value().oom_kills, 1u);

  // A stale one is found and removed there.
  auto removed = cleanup_stale_cgroups(host.value(), "pocker", {}, fake_kernel());
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_EQ(removed.value(), std::vector<std::string>{"pocker/abc"});
  EXPECT_FALSE(exists(leaf));
  // The last one out removes `pocker`, never the top.
  EXPECT_TRUE(cgroup->destroy());
  EXPECT_FALSE(exists(dir(kUserManager) + "/pocker"));
  EXPECT_TRUE(exists(dir(kUserManager) + "/cgroup.procs"));
}

TEST_F(DelegatedTree, ExecJoinsThroughThePathInTheHierarchy) {
  // `pocker exec` gets the recorded path (the top plus /pocker/<id>) and
  // uses the driver at the mount, as for any container.
  auto d = find_delegation(host_, probe(kScope));
  Resources r;
  r.memory = 64ULL << 20;
  auto host = delegated_host(host_, d, r).value();
  auto cgroup = make_cgroup(host, "pocker/abc", fake_kernel()).value();
  ASSERT_TRUE(cgroup->create());
  std::string recorded = d.top + cgroup->path();
  EXPECT_EQ(recorded, std::string(kUserManager) + "/pocker/abc");
  auto joined = make_cgroup(host_, recorded.substr(1), fake_kernel()).value();
  ASSERT_TRUE(joined->add_pid(4321));
  EXPECT_EQ(read_file(dir(recorded) + "/cgroup.procs").value(), "4321");
  ASSERT_TRUE(write_file_atomic(dir(recorded) + "/cgroup.procs", ""));
  EXPECT_TRUE(cgroup->destroy());
}

TEST(DelegationStat, RealOwnersFromStat) {
  // The default owner check, stat(2), on a tree this test made: every file
  // is ours. As root, the mount is given to nobody first, so the subtree
  // ends below it.
  std::string tmp = make_temp_dir("/tmp/pocker-delegation-stat-").value();
  std::string mount = tmp + "/sys/fs/cgroup";
  ASSERT_TRUE(make_dirs(mount + "/a/b"));
  for (const char* cgroup : {"", "/a", "/a/b"}) {
    for (const char* file : {"/cgroup.procs", "/cgroup.subtree_control", "/cgroup.controllers"}) {
      ASSERT_TRUE(write_file_atomic(mount + cgroup + file, ""));
    }
  }
  CgroupHost host =
      detect_cgroups("35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", tmp).value();
  bool root = ::geteuid() == 0;
  if (root) {
    ASSERT_EQ(::chown(mount.c_str(), 65534, 65534), 0);
  }
  DelegationProbe p;
  p.uid = ::geteuid();
  p.proc_self_cgroup = "0::/a/b\n";
  auto d = find_delegation(host, p);
  EXPECT_TRUE(d.found()) << d.why_not;
  EXPECT_EQ(d.top, root ? "/a" : "/");
  p.uid = ::geteuid() + 1;
  d = find_delegation(host, p);
  EXPECT_FALSE(d.found());
  EXPECT_EQ(d.why_not.rfind("your cgroup /a/b belongs to uid " + std::to_string(::geteuid()), 0),
            0u)
      << d.why_not;
  (void)remove_tree(tmp);
}

// Only the kernel can say that ownership and the common-ancestor rule let a
// user do what pocker does: so, on this host's cgroup2 mount (a hybrid
// host's controller-less one will do), root delegates a cgroup to nobody as
// systemd would, and a process of nobody's, in a child of it, finds the
// subtree, makes `pocker/x` at its top and starts a process there with
// CLONE_INTO_CGROUP.
TEST(DelegationIntegration, RootlessChildStartsInTheDelegatedTop) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to delegate a cgroup";
  auto detected = detect_cgroups();
  ASSERT_TRUE(detected) << detected.error().message();
  CgroupHost host = detected.value();
  if (host.unified.empty()) GTEST_SKIP() << "no cgroup2 mount: " << describe(host);
  host.layout = CgroupLayout::kV2;  // only the unified mount is used here
  host.root = host.unified;
  constexpr uid_t kNobody = 65534;
  const std::string name = "pocker-delegation-test-" + std::to_string(::getpid());
  const std::string top = host.unified + "/" + name;
  struct Cleanup {
    std::string top;
    ~Cleanup() {
      for (const auto& dir : {top + "/pocker/x", top + "/pocker", top + "/own", top}) {
        ::rmdir(dir.c_str());
      }
    }
  } cleanup{top};
  if (::mkdir(top.c_str(), 0755) < 0) {
    GTEST_SKIP() << "cannot make a cgroup on " << host.unified << ": " << ::strerror(errno);
  }
  ASSERT_EQ(::mkdir((top + "/own").c_str(), 0755), 0) << ::strerror(errno);
  // What Delegate=yes does: the directories and the files written are nobody's.
  for (const char* cgroup : {"", "/own"}) {
    for (const char* file : {"", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads"}) {
      std::string path = top + cgroup + file;
      ASSERT_EQ(::chown(path.c_str(), kNobody, kNobody), 0) << path << ": " << ::strerror(errno);
    }
  }
  int report[2];
  ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
  Child child = spawn({}, [&]() -> int {
    auto fail = [&](const std::string& why) {
      (void)!::write(report[1], why.data(), why.size());
      return 1;
    };
    // Root moves it into `own`, then it is nobody: a rootless pocker.
    if (!write_file(top + "/own/cgroup.procs", "0")) return fail("join own");
    if (::setgroups(0, nullptr) < 0 || ::setresgid(kNobody, kNobody, kNobody) < 0 ||
        ::setresuid(kNobody, kNobody, kNobody) < 0) {
      return fail("become nobody");
    }
    Delegation d = find_delegation(host);
    if (!d.found() || d.top != "/" + name) return fail("top " + d.top + ": " + d.why_not);
    auto delegated = delegated_host(host, d, {});
    if (!delegated) return fail(delegated.error().message());
    auto cgroup = make_cgroup(delegated.value(), "pocker/x").value();
    if (auto made = cgroup->create(); !made) return fail(made.error().message());
    auto dir = cgroup->open_dir();
    if (!dir) return fail(dir.error().message());
    const std::string expected = "0::/" + name + "/pocker/x\n";
    auto inside = spawn({0, dir.value().get()}, [&] {
      auto text = read_file("/proc/self/cgroup");
      return text && text.value().find(expected) != std::string::npos ? 0 : 1;
    });
    if (!inside) return fail(inside.error().message());
    auto status = inside.value().wait();
    if (!status || status.value().shell_code() != 0) return fail("the child was not in pocker/x");
    if (auto gone = cgroup->destroy(); !gone) return fail(gone.error().message());
    return 0;
  }).value();
  ::close(report[1]);
  char buffer[512] = {};
  ssize_t n = ::read(report[0], buffer, sizeof buffer - 1);
  ::close(report[0]);
  auto status = child.wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(status.value().shell_code(), 0) << std::string(buffer, n > 0 ? n : 0);
  EXPECT_FALSE(exists(top + "/pocker"));
}

}  // namespace
}  // namespace pocker
