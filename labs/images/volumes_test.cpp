// The image's Volumes (docker's VOLUME): each run gets an anonymous volume there, a directory of
// its own outside the container's root file system, which goes with the container (rm, --rm);
// `-v` on the same path wins.
#include <filesystem>
#include <string>

#include "images/hints.hpp"
#include "images/images.hpp"

namespace {

using lab::images::kConfig;
using ImagesVolumes = lab::images::ImagesTest;

// Catches: Volumes ignored (the write lands in the overlay's upper dir), a volume shared between
// containers, or one left behind when its container is removed.
TEST_F(ImagesVolumes, AnonymousVolumePerContainerGoesWithIt) {
  if (!std::filesystem::exists(lab::images::kHostBusybox)) GTEST_SKIP() << "needs a static busybox";
  LAB_ASSERT_STATUS(import_tree("lab/vol:1", "vol", {"VOLUME /data"}), 0, kConfig);
  const std::string name = lab::unique_name("vol");
  const lab::Outcome run = pocker.run({"run", "--name", name, "lab/vol:1", "/bin/busybox", "sh", "-c",
                                       "echo kept > /data/f && /bin/busybox grep -c ' /data ' /proc/mounts"});
  LAB_ASSERT_STATUS(run, 0, kConfig);
  LAB_EXPECT_OUT_EQ(run, "1\n", kConfig);
  // A second container starts with an empty volume of its own.
  const lab::Outcome other = pocker.run({"run", "--rm", "lab/vol:1", "/bin/busybox", "ls", "-A", "/data"});
  LAB_EXPECT_OUT_EQ(other, "", kConfig);
  // The file is in the first container's volume, on the host, until the container goes.
  const std::string id = pocker.run({"inspect", "-f", "{{.Id}}", name}).out.substr(0, 64);
  const std::string file = pocker.root() + "/containers/" + id + "/volumes/0/f";
  EXPECT_EQ(lab::read_file(file), "kept\n") << "  lesson: " << kConfig;
  LAB_ASSERT_STATUS(pocker.run({"rm", "-v", name}), 0, kConfig);
  EXPECT_FALSE(std::filesystem::exists(file)) << "the volume outlived its container\n  lesson: " << kConfig;
  // -v on the same path wins over the image's volume.
  const std::string host = dir_.path() + "/host";
  std::filesystem::create_directories(host);
  lab::images::write_file(host + "/mine", "mine\n");
  const lab::Outcome bound = pocker.run({"run", "--rm", "-v", host + ":/data", "lab/vol:1", "/bin/busybox", "cat", "/data/mine"});
  LAB_EXPECT_OUT_EQ(bound, "mine\n", kConfig);
}

}  // namespace
