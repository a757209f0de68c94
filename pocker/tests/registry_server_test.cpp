// The names the registry server accepts before any becomes a path
// (pocker/registry_server.hpp).
#include <gtest/gtest.h>

#include "pocker/registry_server.hpp"

namespace pocker {
namespace {

TEST(RegistryNames, RepositoryGrammar) {
  for (const char* good : {"a", "lab/app", "a.b", "a_b", "a__b", "a---b", "x/y/z9", "0/1"}) {
    EXPECT_TRUE(is_valid_repository_name(good)) << good;
  }
  for (const char* bad : {"", "..", ".", "a/..", "../a", "a//b", "/a", "a/", "A", "a/_b", "_a", "a___b", "a.-b",
                          "a-", "a.", "a b", "a%2f", "a/.b"}) {
    EXPECT_FALSE(is_valid_repository_name(bad)) << bad;
  }
  EXPECT_TRUE(is_valid_repository_name(std::string(255, 'a')));
  EXPECT_FALSE(is_valid_repository_name(std::string(256, 'a')));
}

TEST(RegistryNames, TagGrammar) {
  for (const char* good : {"latest", "v1.0", "_x", "A-b_c.d", "1"}) EXPECT_TRUE(is_valid_tag(good)) << good;
  for (const char* bad : {"", ".x", "-x", "a/b", "a:b", "..", "a b"}) EXPECT_FALSE(is_valid_tag(bad)) << bad;
  EXPECT_TRUE(is_valid_tag(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_tag(std::string(129, 'a')));
}

}  // namespace
}  // namespace pocker
