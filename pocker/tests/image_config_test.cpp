// The run defaults of an image config (pocker/manifest.hpp) and the
// `import --change` instructions that write them (pocker/image.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "pocker/image.hpp"
#include "pocker/manifest.hpp"

namespace pocker {
namespace {

using nlohmann::json;

std::string config_with(const json& run) {
  json c = {{"os", "linux"},
            {"architecture", "amd64"},
            {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}};
  if (!run.is_null()) c["config"] = run;
  return c.dump();
}

TEST(ImageConfig, ReadsRunDefaults) {
  auto c = parse_image_config(config_with({{"Env", {"A=1", "PATH=/bin"}},
                                           {"Entrypoint", {"/init"}},
                                           {"Cmd", {"-x", "y"}},
                                           {"WorkingDir", "/srv"},
                                           {"User", "1000:1000"}}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c.value().env, (std::vector<std::string>{"A=1", "PATH=/bin"}));
  EXPECT_EQ(c.value().entrypoint, std::vector<std::string>{"/init"});
  EXPECT_EQ(c.value().cmd, (std::vector<std::string>{"-x", "y"}));
  EXPECT_EQ(c.value().working_dir, "/srv");
  EXPECT_EQ(c.value().user, "1000:1000");
}

TEST(ImageConfig, NullAndMissingAreEmpty) {
  auto none = parse_image_config(config_with(nullptr));
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_TRUE(none.value().cmd.empty());
  auto nulls = parse_image_config(config_with({{"Cmd", nullptr}, {"Entrypoint", nullptr}}));
  ASSERT_TRUE(nulls) << nulls.error().message();
  EXPECT_TRUE(nulls.value().entrypoint.empty());
}

TEST(ImageConfig, RefusesBadDefaults) {
  EXPECT_FALSE(parse_image_config(config_with({{"Env", {"NOVALUE"}}})));
  EXPECT_FALSE(parse_image_config(config_with({{"Env", {"=x"}}})));
  EXPECT_FALSE(parse_image_config(config_with({{"Cmd", "sh"}})));
  EXPECT_FALSE(parse_image_config(config_with({{"Cmd", {1, 2}}})));
  EXPECT_FALSE(parse_image_config(config_with({{"WorkingDir", "relative"}})));
  EXPECT_FALSE(parse_image_config(config_with("not an object")));
}

TEST(ImportChange, CmdEnvWorkdir) {
  ImageDefaults d;
  ASSERT_TRUE(apply_change(R"(CMD ["/bin/echo", "hi"])", d));
  EXPECT_EQ(d.cmd, (std::vector<std::string>{"/bin/echo", "hi"}));
  ASSERT_TRUE(apply_change("CMD echo $HOME", d));
  EXPECT_EQ(d.cmd, (std::vector<std::string>{"/bin/sh", "-c", "echo $HOME"}));
  ASSERT_TRUE(apply_change("ENV A=1", d));
  ASSERT_TRUE(apply_change("env B 2 3", d));
  ASSERT_TRUE(apply_change("ENV A=again", d));
  EXPECT_EQ(d.env, (std::vector<std::string>{"B=2 3", "A=again"}));
  ASSERT_TRUE(apply_change("WORKDIR /work", d));
  EXPECT_EQ(d.working_dir, "/work");
}

TEST(ImportChange, RefusesWhatItCannotDo) {
  ImageDefaults d;
  EXPECT_FALSE(apply_change("HEALTHCHECK NONE", d));
  EXPECT_FALSE(apply_change("CMD", d));
  EXPECT_FALSE(apply_change("CMD [1]", d));
  EXPECT_FALSE(apply_change("CMD [", d));
  EXPECT_FALSE(apply_change("WORKDIR rel", d));
  EXPECT_FALSE(apply_change("ENV =x", d));
  EXPECT_FALSE(apply_change("ENV A", d));
}

}  // namespace
}  // namespace pocker
