// Rootless: started by a user that is not root, pocker puts the container in a user namespace where
// root inside is that user outside. The labs run pocker as an unprivileged uid (no passwd entry)
// through setpriv, with an explicit --root in a private directory that user owns.
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/expect.hpp"
#include "support/fs.hpp"
#include "support/pocker.hpp"
#include "support/run.hpp"
#include "support/user.hpp"

namespace {

using lab::lv1::kUser;

// A private directory owned by an unprivileged uid, and pocker run as that uid through setpriv,
// with --root in that directory (support/user.hpp).
class Lv1Rootless : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why_not = user_.prepare(lab::pocker_bin());
    if (!why_not.empty()) GTEST_SKIP() << why_not;
  }

  lab::Outcome pocker(std::vector<std::string> args) const { return lab::run(user_.pocker(std::move(args))); }
  std::string root() const { return user_.root(); }

  lab::Unprivileged user_;
  const uid_t uid_ = user_.uid();
  const gid_t gid_ = user_.gid();
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
  const std::string share = user_.dir() + "/share";
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
