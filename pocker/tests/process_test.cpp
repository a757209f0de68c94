#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pocker/process.hpp"

namespace pocker {
namespace {

int spawn_and_wait(const std::function<int()>& fn) {
  auto child = spawn(CloneOptions{}, fn);
  EXPECT_TRUE(child);
  auto status = child.value().wait();
  EXPECT_TRUE(status);
  return status.value().shell_code();
}

TEST(Process, ChildReturnValueIsExitStatus) {
  EXPECT_EQ(spawn_and_wait([] { return 0; }), 0);
  EXPECT_EQ(spawn_and_wait([] { return 42; }), 42);
  EXPECT_EQ(spawn_and_wait([] { return 255; }), 255);
}

TEST(Process, SignalDeathIs128PlusN) {
  EXPECT_EQ(spawn_and_wait([] { ::raise(SIGKILL); return 0; }), 137);
  EXPECT_EQ(spawn_and_wait([] { ::raise(SIGTERM); return 0; }), 143);
}

TEST(Process, ExitStatusDescribe) {
  ExitStatus exited{3, 0, false};
  ExitStatus killed{0, SIGKILL, false};
  EXPECT_EQ(exited.describe(), "exited 3");
  EXPECT_EQ(killed.describe(), "killed by SIGKILL");
  EXPECT_EQ(killed.shell_code(), 137);
}

TEST(Process, ChildDestructorKillsAndReaps) {
  pid_t pid;
  {
    auto child = spawn(CloneOptions{}, [] { ::pause(); return 0; });
    ASSERT_TRUE(child);
    pid = child.value().pid();
  }
  // Reaped: the pid no longer names our child.
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(Process, CloneFlagsString) {
  EXPECT_EQ(clone_flags_string(0), "0");
  EXPECT_EQ(clone_flags_string(CLONE_NEWPID | CLONE_NEWNS), "CLONE_NEWNS|CLONE_NEWPID");
}

TEST(Exec, NotFoundIsEnoent) {
  Error e = exec_in_path({"pocker-no-such-command"}, {}, "/bin:/usr/bin");
  EXPECT_EQ(e.err(), ENOENT);
  EXPECT_NE(e.message().find("pocker-no-such-command"), std::string::npos);
}

TEST(Exec, FoundButNotExecutableIsEacces) {
  Error e = exec_in_path({"/etc/passwd"}, {}, "/bin");
  EXPECT_EQ(e.err(), EACCES);
}

TEST(Exec, SearchesTheGivenPathNotOurs) {
  // `sh` exists in /bin, but the PATH we pass does not contain it.
  auto child = spawn(CloneOptions{}, [] {
    Error e = exec_in_path({"sh", "-c", "exit 9"}, {}, "/nonexistent");
    return e.err() == ENOENT ? 3 : 4;
  });
  ASSERT_TRUE(child);
  EXPECT_EQ(child.value().wait().value().code, 3);
  auto found = spawn(CloneOptions{}, [] {
    (void)exec_in_path({"sh", "-c", "exit 9"}, {}, "/nonexistent:/bin");
    return 4;
  });
  ASSERT_TRUE(found);
  EXPECT_EQ(found.value().wait().value().code, 9);
}

TEST(Exec, EnvLookup) {
  std::vector<std::string> env = {"PATH=/x", "PATHX=/y", "EMPTY="};
  EXPECT_EQ(env_lookup(env, "PATH"), "/x");
  EXPECT_EQ(env_lookup(env, "EMPTY", "d"), "");
  EXPECT_EQ(env_lookup(env, "NOPE", "d"), "d");
}

}  // namespace
}  // namespace pocker
