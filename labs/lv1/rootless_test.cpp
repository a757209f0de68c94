// Rootless: started by a user that is not root, pocker puts the container in a user namespace where
// root inside is that user outside. The labs run pocker as an unprivileged uid (no passwd entry)
// through setpriv, with an explicit --root in a private directory that user owns.
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/expect.hpp"
#include "support/fs.hpp"
#include "support/pocker.hpp"
#include "support/run.hpp"

namespace {

using lab::lv1::kUser;

std::string find_tool(const std::string& name) {
  for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
    const std::string path = dir + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// A private directory (TempDir: removed, as root, whatever happens) owned by an unprivileged uid,
// and pocker run as that uid through setpriv, with --root DIR/root.
class Lv1Rootless : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root, to switch to an unprivileged uid with setpriv";
    setpriv_ = find_tool("setpriv");
    if (setpriv_.empty()) GTEST_SKIP() << "setpriv (util-linux) is not installed";
    ASSERT_EQ(::chown(dir_.path().c_str(), uid_, gid_), 0) << "chown " << dir_.path();
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0700), 0) << "chmod " << dir_.path();

    const std::string unshare = find_tool("unshare");
    if (unshare.empty()) GTEST_SKIP() << "unshare (util-linux) is not installed";
    const lab::Outcome userns = lab::run(as_user({unshare, "-U", "true"}));
    if (userns.status != 0) {
      GTEST_SKIP() << "an unprivileged user cannot make a user namespace here (disabled?): "
                   << lab::describe(userns);
    }

    // The binary must be reachable by that uid; if the build tree is not, run a copy of it.
    bin_ = lab::pocker_bin();
    const lab::Outcome reach = lab::run(as_user({"/usr/bin/test", "-x", bin_, "-a", "-r", bin_}));
    if (reach.status != 0) {
      const std::string copy = dir_.path() + "/pocker";
      std::error_code ec;
      std::filesystem::copy_file(bin_, copy, std::filesystem::copy_options::overwrite_existing, ec);
      ASSERT_FALSE(ec) << "copying " << bin_ << " to " << copy << ": " << ec.message();
      ASSERT_EQ(::chmod(copy.c_str(), 0755), 0) << "chmod " << copy;
      bin_ = copy;
    }
  }

  // argv run as uid_:gid_, no groups, a clean environment with HOME in the private directory.
  std::vector<std::string> as_user(std::vector<std::string> argv) const {
    std::vector<std::string> full{setpriv_,
                                  "--reuid=" + std::to_string(uid_),
                                  "--regid=" + std::to_string(gid_),
                                  "--clear-groups",
                                  "--reset-env",
                                  "--",
                                  "/usr/bin/env",
                                  "HOME=" + dir_.path(),
                                  "XDG_RUNTIME_DIR=",
                                  "PATH=/usr/bin:/bin"};
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
  }

  // pocker --root DIR/root ARGS..., as the unprivileged user.
  lab::Outcome pocker(std::vector<std::string> args) const {
    std::vector<std::string> argv{bin_, "--root", root()};
    argv.insert(argv.end(), args.begin(), args.end());
    return lab::run(as_user(std::move(argv)));
  }

  std::string root() const { return dir_.path() + "/root"; }

  const uid_t uid_ = 40000 + static_cast<uid_t>(::getpid() % 1000);
  const gid_t gid_ = uid_;
  lab::TempDir dir_{"pocker-rootless"};
  std::string setpriv_, bin_;
};

// True when some line of uid_map reads "0 <outside> 1" (numbers, any whitespace).
bool maps_root_to(const std::string& uid_map, unsigned long outside) {
  for (const std::string& line : lab::lv1::lines_of(uid_map)) {
    std::istringstream in(line);
    unsigned long inside = 0, out = 0, count = 0;
    std::string rest;
    if ((in >> inside >> out >> count) && !(in >> rest) && inside == 0 && out == outside && count == 1) return true;
  }
  return false;
}

// Catches: no user namespace (the container runs as the caller's uid, not root), or a uid_map that
// does not map root inside to the caller outside.
TEST_F(Lv1Rootless, RootInsideIsCallerOutside) {
  const lab::Outcome id = pocker({"run", "--rm", "busybox", "id", "-u"});
  LAB_EXPECT_STATUS(id, 0, kUser);
  LAB_EXPECT_OUT_EQ(id, "0\n", kUser);

  const lab::Outcome map = pocker({"run", "--rm", "busybox", "cat", "/proc/self/uid_map"});
  LAB_EXPECT_STATUS(map, 0, kUser);
  LAB_EXPECT(maps_root_to(map.out, uid_), "a uid_map line \"0 " + std::to_string(uid_) + " 1\"", map, kUser);
}

// Catches: files written inside landing as some other owner on the host (a wrong mapping), or a
// bind mount that rootless pocker cannot make.
TEST_F(Lv1Rootless, FilesOnBindMountBelongToCaller) {
  const std::string share = dir_.path() + "/share";
  ASSERT_EQ(::mkdir(share.c_str(), 0755), 0) << "mkdir " << share;
  ASSERT_EQ(::chown(share.c_str(), uid_, gid_), 0) << "chown " << share;

  const lab::Outcome outcome =
      pocker({"run", "--rm", "-v", share + ":/share", "busybox", "sh", "-c", "echo hi > /share/made-inside"});
  LAB_EXPECT_STATUS(outcome, 0, kUser);
  struct stat st {};
  const std::string file = share + "/made-inside";
  const bool exists = ::stat(file.c_str(), &st) == 0;
  LAB_EXPECT(exists, file + " to exist on the host", outcome, kUser);
  if (exists) {
    LAB_EXPECT(st.st_uid == uid_, file + " owned by uid " + std::to_string(uid_) + " (it has " +
                                      std::to_string(st.st_uid) + ")",
               outcome, kUser);
  }
}

// Catches: --rm not honoured rootless (a container directory left under the user's root).
TEST_F(Lv1Rootless, RunRmLeavesNothing) {
  const lab::Outcome outcome = pocker({"run", "--rm", "busybox", "true"});
  LAB_EXPECT_STATUS(outcome, 0, kUser);
  const std::vector<std::string> left = lab::lv1::entries_of(root() + "/containers");
  LAB_EXPECT(left.empty(),
             root() + "/containers empty or absent after --rm; it holds: " + lab::lv1::joined(left, ", "), outcome,
             kUser);
}

// Catches: a rootless exec that cannot enter the container. The kernel lets a process join a PID
// namespace only with CAP_SYS_ADMIN in the user namespace that owns it, so an unprivileged pocker
// must join the container's user namespace before its PID namespace.
TEST_F(Lv1Rootless, ExecJoinsTheContainer) {
  const std::string name = "rootless-exec-" + std::to_string(::getpid());
  const lab::Outcome started = pocker({"run", "-d", "--name", name, "busybox", "sleep", "60"});
  LAB_EXPECT_STATUS(started, 0, kUser);
  if (started.status == 0) {
    const lab::Outcome exec = pocker({"exec", name, "sh", "-c", "id -u; cat /proc/1/comm"});
    LAB_EXPECT_STATUS(exec, 0, kUser);
    LAB_EXPECT_OUT_EQ(exec, "0\nsleep\n", kUser);
  }
  (void)pocker({"rm", "-f", name});
}

}  // namespace
