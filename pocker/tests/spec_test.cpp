#include <gtest/gtest.h>

#include "pocker/spec.hpp"

namespace pocker {
namespace {

TEST(Spec, EnvStartsWithDefaultPath) {
  auto env = build_env({}, nullptr).value();
  ASSERT_EQ(env.size(), 1u);
  EXPECT_EQ(env[0], std::string("PATH=") + kDefaultPath);
}

TEST(Spec, LaterEntriesWinAndKeyAloneCopiesFromHost) {
  char host1[] = "FROM_HOST=yes";
  char host2[] = "OTHER=no";
  char* host[] = {host1, host2, nullptr};
  auto env = build_env({"A=1", "PATH=/bin", "A=2", "FROM_HOST", "MISSING"}, host).value();
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/bin", "A=2", "FROM_HOST=yes"}));
}

TEST(Spec, RejectsEmptyKey) {
  EXPECT_FALSE(build_env({"=x"}, nullptr));
  EXPECT_FALSE(build_env({""}, nullptr));
}

TEST(Spec, ContainerIdsAre64HexAndDiffer) {
  std::string a = new_container_id(), b = new_container_id();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace pocker
