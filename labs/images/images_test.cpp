// The image store through the CLI: busybox is an ordinary image once used, `images` lists what the
// store holds, `tag` adds a name, `rmi` refuses to take an image from under a container, `inspect`
// shows an image's config and layers, and an unknown image is a clean error.
#include <nlohmann/json.hpp>
#include <string>

#include "images/hints.hpp"
#include "images/images.hpp"

namespace {

using lab::images::kConfig;
using lab::images::kStore;
using ImagesStore = lab::images::ImagesTest;

// Catches: busybox still unpacked as a special case outside the store, and `images` missing.
TEST_F(ImagesStore, ListsBusyboxAfterFirstRun) {
  const lab::Outcome before = pocker.run({"images", "-q"});
  LAB_ASSERT_STATUS(before, 0, kStore);
  LAB_EXPECT_OUT_EQ(before, "", kStore);
  LAB_ASSERT_STATUS(pocker.run({"run", "--rm", "busybox", "true"}), 0, kStore);
  const lab::Outcome images = pocker.run({"images"});
  LAB_ASSERT_STATUS(images, 0, kStore);
  LAB_EXPECT_OUT_HAS(images, "REPOSITORY", kStore);
  LAB_EXPECT(images.out.find("\nbusybox ") != std::string::npos && images.out.find(" latest ") != std::string::npos,
             "a line `busybox  latest  <id> ...` after the first run of busybox", images, kStore);
  const lab::Outcome quiet = pocker.run({"images", "-q"});
  LAB_EXPECT(quiet.out.size() == 13 && quiet.out.back() == '\n', "one 12-hex image id from images -q", quiet,
             kStore);
}

// Catches: names other than `busybox` not normalised (docker.io/library/ implied), or a lookup that
// creates something for an image that is not there.
TEST_F(ImagesStore, ResolvesDockerNamesAndRefusesUnknown) {
  for (const char* name : {"busybox", "busybox:latest", "docker.io/library/busybox"}) {
    const lab::Outcome run = pocker.run({"run", "--rm", name, "echo", "ran"});
    LAB_EXPECT_STATUS(run, 0, kStore);
    LAB_EXPECT_OUT_EQ(run, "ran\n", kStore);
  }
  const std::string unknown = "pocker-lab-no-such-image";
  // --pull never: run would otherwise ask Docker Hub for it (labs stay on loopback).
  const lab::Outcome run = pocker.run({"run", "--pull", "never", "--name", lab::unique_name(), unknown, "true"});
  LAB_EXPECT_STATUS(run, 125, kStore);
  LAB_EXPECT_POCKER_ERROR(run, "no such image: " + unknown, kStore);
  const lab::Outcome ps = pocker.run({"ps", "-a", "-q"});
  LAB_EXPECT_OUT_EQ(ps, "", kStore);
}

// Catches: `tag` missing, or a tag that names something other than the image's manifest.
TEST_F(ImagesStore, TagThenRunByTheNewName) {
  LAB_ASSERT_STATUS(pocker.run({"tag", "busybox", "lab/mine:v1"}), 0, kStore);
  const lab::Outcome run = pocker.run({"run", "--rm", "lab/mine:v1", "echo", "tagged"});
  LAB_EXPECT_STATUS(run, 0, kStore);
  LAB_EXPECT_OUT_EQ(run, "tagged\n", kStore);
  const lab::Outcome images = pocker.run({"images"});
  LAB_EXPECT_OUT_HAS(images, "lab/mine", kStore);
  LAB_EXPECT(images.out.find(" v1 ") != std::string::npos, "the tag v1 in images", images, kStore);
  LAB_EXPECT_STATUS(pocker.run({"tag", "pocker-lab-no-such-image", "lab/x:1"}), 125, kStore);
}

// Catches: rmi that removes an image a container still stands on (running or not), and rmi that
// cannot remove it once the container is gone.
TEST_F(ImagesStore, RmiRefusedWhileAContainerUsesTheImage) {
  const std::string name = lab::unique_name();
  LAB_ASSERT_STATUS(pocker.run({"run", "--name", name, "busybox", "true"}), 0, kStore);
  const lab::Outcome refused = pocker.run({"rmi", "busybox"});
  LAB_EXPECT_STATUS(refused, 125, kStore);
  LAB_EXPECT_POCKER_ERROR(refused, name, kStore);
  LAB_EXPECT_OUT_HAS(pocker.run({"images"}), "busybox", kStore);
  LAB_ASSERT_STATUS(pocker.run({"rm", name}), 0, kStore);
  LAB_EXPECT_STATUS(pocker.run({"rmi", "busybox"}), 0, kStore);
  const lab::Outcome images = pocker.run({"images", "-q"});
  LAB_EXPECT_OUT_EQ(images, "", kStore);
  // -f takes the name away even from a used image.
  LAB_ASSERT_STATUS(pocker.run({"run", "--name", name, "busybox", "true"}), 0, kStore);
  LAB_EXPECT_STATUS(pocker.run({"rmi", "-f", "busybox"}), 0, kStore);
  LAB_EXPECT_OUT_EQ(pocker.run({"images", "-q"}), "", kStore);
}

// Catches: inspect that knows only containers, or an image config without busybox's Cmd and layer.
TEST_F(ImagesStore, InspectShowsConfigAndLayers) {
  LAB_ASSERT_STATUS(pocker.run({"run", "--rm", "busybox", "true"}), 0, kConfig);
  const lab::Outcome inspect = pocker.run({"inspect", "busybox"});
  LAB_ASSERT_STATUS(inspect, 0, kConfig);
  const auto j = nlohmann::json::parse(inspect.out, nullptr, false);
  LAB_ASSERT(j.is_object(), "a JSON object", inspect, kConfig);
  LAB_EXPECT(j.value("Id", "").rfind("sha256:", 0) == 0, "Id sha256:...", inspect, kConfig);
  LAB_EXPECT(j.contains("RepoTags") && j["RepoTags"] == nlohmann::json::array({"busybox:latest"}),
             "RepoTags [\"busybox:latest\"]", inspect, kConfig);
  LAB_EXPECT(j.contains("Config") && j["Config"].value("Cmd", nlohmann::json()) == nlohmann::json::array({"sh"}),
             "Config.Cmd [\"sh\"]", inspect, kConfig);
  LAB_EXPECT(j.contains("RootFS") && j["RootFS"]["Layers"].size() == 1, "one layer in RootFS.Layers", inspect,
             kConfig);
}

}  // namespace
