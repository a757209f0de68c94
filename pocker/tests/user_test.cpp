#include <gtest/gtest.h>

#include "pocker/user.hpp"

namespace pocker {
namespace {

const char* kPasswd = "root:x:0:0:root:/root:/bin/sh\nwww:x:33:44:web:/var/www:/bin/false\n";
const char* kGroup = "root:x:0:\nstaff:x:50:\n";

TEST(User, Numeric) {
  auto ids = resolve_user("1000", kPasswd, kGroup).value();
  EXPECT_EQ(ids.uid, 1000u);
  EXPECT_EQ(ids.gid, 0u);
  ids = resolve_user("33", kPasswd, kGroup).value();
  EXPECT_EQ(ids.gid, 44u);  // from passwd
  ids = resolve_user("1000:7", kPasswd, kGroup).value();
  EXPECT_EQ(ids.gid, 7u);
}

TEST(User, Names) {
  auto ids = resolve_user("www", kPasswd, kGroup).value();
  EXPECT_EQ(ids.uid, 33u);
  EXPECT_EQ(ids.gid, 44u);
  ids = resolve_user("www:staff", kPasswd, kGroup).value();
  EXPECT_EQ(ids.gid, 50u);
}

TEST(User, UnknownNamesAreErrors) {
  EXPECT_FALSE(resolve_user("nobody-here", kPasswd, kGroup));
  EXPECT_FALSE(resolve_user("www:nogroup", kPasswd, kGroup));
  EXPECT_FALSE(resolve_user(":5", kPasswd, kGroup));
}

}  // namespace
}  // namespace pocker
