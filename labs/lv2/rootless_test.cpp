// Rootless limits: on cgroup v2, a user may set limits in a subtree that root delegated to them.
// The lab plays root's part itself: it makes a cgroup for an unprivileged uid, gives it the memory,
// pids and cpu controllers and a child cgroup for the user's shell, and runs pocker from there as
// that uid. Only on a pure cgroup v2 host; v1 and hybrid hosts skip (pocker refuses there).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "lv2/hints.hpp"
#include "lv2/host.hpp"
#include "support/expect.hpp"
#include "support/fs.hpp"
#include "support/pocker.hpp"
#include "support/run.hpp"
#include "support/user.hpp"

namespace {

using lab::lv2::kRootless;
using namespace std::chrono_literals;

constexpr const char* kUnified = "/sys/fs/cgroup";

bool write_text(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  return ::close(fd) == 0 && written;
}

// Removes a cgroup tree bottom-up, killing what is still inside first.
void remove_cgroup_tree(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec)) remove_cgroup_tree(entry.path().string());
  }
  write_text(dir + "/cgroup.kill", "1");
  for (int attempt = 0; attempt < 100 && ::rmdir(dir.c_str()) != 0 && errno != ENOENT; ++attempt) {
    ::usleep(20000);  // killed processes leave the cgroup a moment later
  }
}

class Lv2Rootless : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access((std::string(kUnified) + "/cgroup.subtree_control").c_str(), W_OK) != 0 ||
        ::access((std::string(kUnified) + "/memory").c_str(), F_OK) == 0) {
      GTEST_SKIP() << "needs a pure cgroup v2 host, as root (this one is v1 or hybrid, or not root)";
    }
    for (const char* controller : {"memory", "pids", "cpu"}) {
      if (!lab::lv2::controller_available(controller)) {
        GTEST_SKIP() << "the cgroup2 root offers no " << controller << " controller";
      }
    }
    const std::string why_not = user_.prepare(lab::pocker_bin());
    if (!why_not.empty()) GTEST_SKIP() << why_not;

    // Root's part, as systemd does for user@UID.service with Delegate=: a cgroup with the
    // controllers, owned by the user, and a leaf for the user's shell (a cgroup that gives
    // controllers to its children may hold no process itself).
    ASSERT_TRUE(write_text(std::string(kUnified) + "/cgroup.subtree_control", "+memory +pids +cpu"));
    ASSERT_EQ(::mkdir(base_.c_str(), 0755), 0) << "mkdir " << base_;
    ASSERT_TRUE(write_text(base_ + "/cgroup.subtree_control", "+memory +pids +cpu"));
    for (const std::string& dir : {user_dir(), shell_dir()}) {
      ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << "mkdir " << dir;
      for (const char* file : {"", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads"}) {
        ASSERT_EQ(::chown((dir + file).c_str(), user_.uid(), user_.gid()), 0) << "chown " << dir << file;
      }
    }
  }

  void TearDown() override { remove_cgroup_tree(base_); }

  std::string user_dir() const { return base_ + "/user"; }
  std::string shell_dir() const { return user_dir() + "/shell"; }

  // pocker ARGS... as the user, started from the shell's cgroup: root moves a shell there, and the
  // shell becomes the user's pocker.
  lab::Outcome pocker(std::vector<std::string> args, lab::RunOptions opts = {}) const {
    std::vector<std::string> argv{"/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
                                  shell_dir() + "/cgroup.procs"};
    for (auto& word : user_.pocker(std::move(args))) argv.push_back(std::move(word));
    return lab::run(argv, opts);
  }

  lab::Unprivileged user_{500};
  const std::string base_ = std::string(kUnified) + "/pocker-lab-deleg-" + std::to_string(::getpid());
};

// Catches: limits refused (or silently dropped) in a subtree delegated to the user, a container
// cgroup put outside it, or a container that does not see its limits.
TEST_F(Lv2Rootless, LimitsApplyInDelegatedSubtree) {
  const lab::Outcome outcome =
      pocker({"run", "--rm", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50", "busybox", "sh", "-c",
              "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max"});
  LAB_EXPECT_STATUS(outcome, 0, kRootless);
  LAB_EXPECT_OUT_EQ(outcome, "67108864\n50000 100000\n50\n", kRootless);
  LAB_EXPECT(lab::read_file(user_dir() + "/cgroup.procs").empty(),
             "no process left in " + user_dir() + " (the top of the delegated subtree)", outcome, kRootless);
}

// Catches: an OOM kill in a rootless container not reported (the OOM counter of a delegated cgroup
// not read), or a container's cgroup left behind in the user's subtree.
TEST_F(Lv2Rootless, OomIsReportedAndNothingIsLeft) {
  lab::RunOptions opts;
  opts.timeout = 60s;
  const lab::Outcome outcome =
      pocker({"run", "--rm", "--memory", "16m", "busybox", "pocker-probe", "alloc", "64m"}, opts);
  LAB_EXPECT_STATUS(outcome, 137, kRootless);
  LAB_EXPECT_POCKER_ERROR(outcome, "OOM", kRootless);
  std::vector<std::string> left;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(user_dir() + "/pocker", ec)) {
    if (entry.is_directory(ec)) left.push_back(entry.path().filename().string());
  }
  LAB_EXPECT(left.empty(), "no container cgroup left in " + user_dir() + "/pocker; still there: " +
                               lab::lv2::joined(left, ", "),
             outcome, kRootless);
}

}  // namespace
