#include <gtest/gtest.h>

#include "pocker/namespaces.hpp"
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

// --userns, as root. The texts stand for /etc/subuid and /etc/subgid.
const char* kSubuid = "alice:100000:65536\npocker:300000:65536\npocker:900000:10\n";
const char* kSubgid = "pocker:400000:1000\n";

void expect_map(const std::vector<IdMap>& maps, uint32_t outside, uint32_t count) {
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].inside, 0u);
  EXPECT_EQ(maps[0].outside, outside);
  EXPECT_EQ(maps[0].count, count);
}

TEST(Userns, HostMeansNoUserNamespace) {
  auto choice = parse_userns("host", kSubuid, kSubgid).value();
  EXPECT_FALSE(choice.enabled);
  EXPECT_TRUE(choice.uids.empty());
  EXPECT_TRUE(choice.gids.empty());
}

TEST(Userns, ExplicitRangeMapsRootToItsStart) {
  auto choice = parse_userns("200000:65536", "", "").value();
  EXPECT_TRUE(choice.enabled);
  expect_map(choice.uids, 200000, 65536);
  expect_map(choice.gids, 200000, 65536);
  // The largest range that still ends below (uid_t)-1.
  EXPECT_TRUE(parse_userns("4294967294:1", "", ""));
}

TEST(Userns, RemapTakesPockersFirstRanges) {
  auto choice = parse_userns("remap", kSubuid, kSubgid).value();
  EXPECT_TRUE(choice.enabled);
  expect_map(choice.uids, 300000, 65536);
  expect_map(choice.gids, 400000, 1000);
}

TEST(Userns, RemapWithoutARangeSaysWhatToAdd) {
  auto missing = parse_userns("remap", "alice:100000:65536\n", kSubgid);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("/etc/subuid has no range for \"pocker\""), std::string::npos)
      << missing.error().message();
  auto no_gids = parse_userns("remap", kSubuid, "");
  ASSERT_FALSE(no_gids);
  EXPECT_NE(no_gids.error().message().find("/etc/subgid"), std::string::npos);
  // A broken line is skipped, not half-read.
  EXPECT_FALSE(parse_userns("remap", "pocker:x:65536\npocker:5:0\n", kSubgid));
}

TEST(Userns, BadValuesAreErrors) {
  for (const char* bad : {"", "private", "remap:", "200000", "200000:", ":65536", "-1:10",
                          "200000:-5", "200000:65536:1", "0:65536", "200000:0",
                          "4294967295:1", "4294967294:2", "99999999999:1", " 200000:65536"}) {
    auto choice = parse_userns(bad, kSubuid, kSubgid);
    EXPECT_FALSE(choice) << "--userns \"" << bad << "\" was accepted";
    if (!choice) {
      EXPECT_NE(choice.error().message().find("--userns"), std::string::npos) << bad;
    }
  }
  EXPECT_NE(parse_userns("0:65536", "", "").error().message().find("--userns host"), std::string::npos);
}

}  // namespace
}  // namespace pocker
