// The detach keys (docker's syntax) and diff's reading of an overlay upper directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

#include "pocker/attach.hpp"
#include "pocker/changes.hpp"
#include "pocker/fs.hpp"

namespace pocker {
namespace {

TEST(DetachKeys, ParsesDockersSyntax) {
  EXPECT_EQ(parse_detach_keys("ctrl-p,ctrl-q").value(), "\x10\x11");
  EXPECT_EQ(parse_detach_keys("ctrl-x,y").value(), "\x18y");
  EXPECT_EQ(parse_detach_keys("ctrl-@,ctrl-[,ctrl-_").value(), std::string("\0\x1b\x1f", 3));
  EXPECT_EQ(parse_detach_keys("a").value(), "a");
  for (const char* bad : {"", "ctrl-", "ctrl-1", "ctrl-p,", "shift-p", "ab"}) {
    EXPECT_FALSE(parse_detach_keys(bad)) << bad;
  }
}

TEST(DetachKeys, HoldsAPrefixAndLetsItGoOnAMismatch) {
  DetachKeys keys("\x10\x11");
  std::string out;
  EXPECT_FALSE(keys.feed("ab\x10", 3, out));
  EXPECT_EQ(out, "ab");  // ctrl-p held back: it may start the sequence
  EXPECT_FALSE(keys.feed("c", 1, out));
  EXPECT_EQ(out, "ab\x10" "c");  // it did not: it goes to the container after all
  out.clear();
  EXPECT_FALSE(keys.feed("\x10\x10", 2, out));
  EXPECT_EQ(out, "\x10");  // the first ctrl-p typed, the second may still start it
  EXPECT_TRUE(keys.feed("\x11zz", 3, out));
  EXPECT_EQ(out, "\x10");
}

TEST(DetachKeys, EmptyNeverDetaches) {
  DetachKeys keys("");
  std::string out;
  EXPECT_FALSE(keys.feed("\x10\x11", 2, out));
  EXPECT_EQ(out, "\x10\x11");
}

class LayerChanges : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("/tmp/pocker-changes-").value(); }
  void TearDown() override { (void)remove_tree(dir_); }
  void file(const std::string& path) { std::ofstream(dir_ + path) << "x"; }
  void mkdir(const std::string& path) { ASSERT_EQ(::mkdir((dir_ + path).c_str(), 0755), 0) << path; }
  std::string dir_;
};

TEST_F(LayerChanges, WhiteoutsOpaqueDirsAddedAndChanged) {
  if (::geteuid() != 0) GTEST_SKIP() << "a whiteout (mknod c 0 0) and trusted.* xattrs need root";
  for (const char* d : {"/lower", "/lower/etc", "/lower/var", "/lower/var/cache", "/upper", "/upper/etc", "/upper/var",
                        "/upper/var/cache", "/upper/new"}) {
    mkdir(d);
  }
  file("/lower/etc/passwd");
  file("/lower/etc/group");
  file("/lower/var/cache/a");
  file("/lower/var/cache/b");
  file("/upper/etc/passwd");
  file("/upper/new/file");
  file("/upper/var/cache/b");
  ASSERT_EQ(::mknod((dir_ + "/upper/etc/group").c_str(), S_IFCHR | 0, ::makedev(0, 0)), 0);
  ASSERT_EQ(::setxattr((dir_ + "/upper/var/cache").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  auto changes = layer_changes(dir_ + "/upper", {dir_ + "/lower"});
  ASSERT_TRUE(changes) << changes.error().message();
  std::string text;
  for (const Change& c : changes.value()) text += std::string(1, c.kind) + " " + c.path + "\n";
  EXPECT_EQ(text,
            "C /etc\n"
            "D /etc/group\n"
            "C /etc/passwd\n"
            "A /new\n"
            "A /new/file\n"
            "C /var\n"
            "C /var/cache\n"
            "D /var/cache/a\n"  // hidden by the opaque directory, not written again
            "C /var/cache/b\n");
}

}  // namespace
}  // namespace pocker
