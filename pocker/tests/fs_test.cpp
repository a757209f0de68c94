#include <sys/stat.h>
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

}  // namespace
}  // namespace pocker
