#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pocker/spec.hpp"
#include "pocker/state.hpp"

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

namespace pocker {
namespace {

// The network mode goes through config.json; files written before it
// existed say it with the namespace alone: a private one was `none`.
TEST(SpecJson, NetworkModeRoundTripsAndOldFilesReadAsNoneOrHost) {
  ContainerSpec spec;
  spec.id = new_container_id();
  spec.network = "bridge";
  auto back = spec_from_json(spec_to_json(spec));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back.value().network, "bridge");

  for (bool net : {true, false}) {
    nlohmann::json old = nlohmann::json::parse(spec_to_json(spec));
    old.erase("network");
    old["namespaces"]["net"] = net;
    auto read = spec_from_json(old.dump());
    ASSERT_TRUE(read) << read.error().message();
    EXPECT_EQ(read.value().network, net ? "none" : "host");
  }
}

}  // namespace
}  // namespace pocker
