#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pocker/fs.hpp"

namespace pocker {
namespace {

class FsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("/tmp/pocker-fs-test-").value(); }
  void TearDown() override { (void)remove_tree(dir_); }
  std::string dir_;
};

TEST_F(FsTest, MakeDirsCreatesEveryLevelAndIsIdempotent) {
  ASSERT_TRUE(make_dirs(dir_ + "/a/b/c"));
  ASSERT_TRUE(make_dirs(dir_ + "/a/b/c"));
  struct stat st;
  EXPECT_EQ(::stat((dir_ + "/a/b/c").c_str(), &st), 0);
}

TEST_F(FsTest, MakeDirsTakesTrailingSlashesAndRelativePaths) {
  ASSERT_TRUE(make_dirs(dir_ + "/x/y//"));
  struct stat st;
  EXPECT_EQ(::stat((dir_ + "/x/y").c_str(), &st), 0);
  ASSERT_EQ(::chdir(dir_.c_str()), 0);
  EXPECT_TRUE(make_dirs("rel/a/b"));
  EXPECT_EQ(::stat((dir_ + "/rel/a/b").c_str(), &st), 0);
  ASSERT_EQ(::chdir("/"), 0);
}

TEST_F(FsTest, MakeDirsFailsOnAFile) {
  ASSERT_TRUE(write_file_atomic(dir_ + "/file", "x"));
  auto r = make_dirs(dir_ + "/file/sub");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().err(), ENOTDIR);
}

TEST_F(FsTest, WriteAndReadBack) {
  ASSERT_TRUE(write_file_atomic(dir_ + "/f", "hello"));
  EXPECT_EQ(read_file(dir_ + "/f").value(), "hello");
  ASSERT_TRUE(write_file(dir_ + "/f", "bye"));
  EXPECT_EQ(read_file(dir_ + "/f").value(), "bye");
}

TEST_F(FsTest, ErrorsNameThePath) {
  auto r = read_file(dir_ + "/missing");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().err(), ENOENT);
  EXPECT_NE(r.error().message().find(dir_ + "/missing"), std::string::npos);
  auto w = write_file(dir_ + "/missing", "x");  // write_file never creates
  ASSERT_FALSE(w);
}

TEST_F(FsTest, RemoveTreeDoesNotFollowSymlinks) {
  std::string outside = make_temp_dir("/tmp/pocker-fs-outside-").value();
  ASSERT_TRUE(write_file_atomic(outside + "/keep", "x"));
  ASSERT_TRUE(make_dirs(dir_ + "/tree"));
  ASSERT_EQ(::symlink(outside.c_str(), (dir_ + "/tree/link").c_str()), 0);
  ASSERT_TRUE(remove_tree(dir_ + "/tree"));
  EXPECT_EQ(::access((outside + "/keep").c_str(), F_OK), 0);
  EXPECT_NE(::access((dir_ + "/tree").c_str(), F_OK), 0);
  (void)remove_tree(outside);
}

TEST_F(FsTest, RemoveTreeTakesEveryKindOfEntry) {
  // A container's state directory in small: files, empty and nested
  // directories, and overlayfs's work/work, which it leaves with mode 000.
  std::string tree = dir_ + "/tree";
  ASSERT_TRUE(make_dirs(tree + "/upper"));
  ASSERT_TRUE(make_dirs(tree + "/work/work/incompat/volatile"));
  ASSERT_TRUE(write_file_atomic(tree + "/state.json", "{}"));
  ASSERT_TRUE(write_file_atomic(tree + "/work/work/incompat/file", "x"));
  ASSERT_EQ(::symlink("state.json", (tree + "/link").c_str()), 0);
  ASSERT_EQ(::chmod((tree + "/work/work").c_str(), 0), 0);
  ASSERT_TRUE(remove_tree(tree));
  EXPECT_NE(::access(tree.c_str(), F_OK), 0);
  EXPECT_TRUE(remove_tree(tree));  // gone already: fine
}

TEST_F(FsTest, RemoveTreeNeverEmptiesAMountPointInside) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount";
  // Done in a child with its own mount namespace, so nothing leaks out.
  std::string tree = dir_ + "/tree";
  ASSERT_TRUE(make_dirs(tree + "/full"));
  ASSERT_TRUE(make_dirs(tree + "/empty"));
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) < 0 || ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0 ||
        ::mount("tmpfs", (tree + "/full").c_str(), "tmpfs", 0, nullptr) < 0 ||
        ::mount("tmpfs", (tree + "/empty").c_str(), "tmpfs", 0, nullptr) < 0 ||
        !write_file_atomic(tree + "/full/keep", "x")) {
      ::_exit(2);
    }
    auto removed = remove_tree(tree);
    bool refused = !removed && removed.error().err() == EBUSY;
    bool kept = ::access((tree + "/full/keep").c_str(), F_OK) == 0;
    ::_exit(refused && kept ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: setup failed, 1: a mount point was emptied or not refused";
}

}  // namespace
}  // namespace pocker
