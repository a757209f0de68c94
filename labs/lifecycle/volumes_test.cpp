// Storage that is not the container's own layer: `-v HOST:CTR[:ro]` bind-mounts a host directory
// in, `--read-only` makes the root file system read-only, and `--tmpfs PATH` gives a writable
// scratch directory in memory (the usual companion of --read-only).
#include <fstream>
#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"
#include "support/probe.hpp"

namespace {

using lab::lifecycle::kVolumes;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

void write_host_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

class LifecycleVolumes : public lc::LifecycleTest {
 protected:
  void TearDown() override {
    // A bind mount of the volume left in the host's mount namespace: report it, then detach it
    // (TempDir never descends into a mount, so the directory would stay too).
    for (const std::string& line : lc::mounts_mentioning(host_.path())) {
      ADD_FAILURE() << "a mount of the volume's host directory is still there after the container ended:\n    "
                    << line << "\n  lesson: " << kVolumes;
    }
    for (const auto& [point, type] : lc::host_mounts()) {
      if (point == host_.path() || point.starts_with(host_.path() + "/")) ::umount2(point.c_str(), MNT_DETACH);
    }
  }
  lab::TempDir host_{"pocker-lab-vol"};
};

// Catches: -v ignored (nothing at /data), a copy made instead of a bind mount (the container's
// write never reaches the host), and the source and target swapped.
TEST_F(LifecycleVolumes, BindSharesBothWays) {
  write_host_file(host_.path() + "/from-host", "hello from the host\n");
  const lab::Outcome outcome = pocker.run({"run", "--rm", "-v", host_.path() + ":/data", "busybox", "sh", "-c",
                                           "cat /data/from-host && echo written inside > /data/from-container"});
  LAB_EXPECT_STATUS(outcome, 0, kVolumes);
  LAB_EXPECT_OUT_EQ(outcome, "hello from the host\n", kVolumes);
  EXPECT_EQ(lab::read_file(host_.path() + "/from-container"), "written inside\n")
      << "a file the container wrote in /data must appear in the host directory\n  lesson: " << kVolumes;
}

// Catches: :ro parsed but not applied (a bind mount is read-write until remounted with
// MS_RDONLY|MS_REMOUNT|MS_BIND), or applied to the wrong mount.
TEST_F(LifecycleVolumes, ReadOnlyVolumeRefusesWrites) {
  write_host_file(host_.path() + "/seen", "still readable\n");
  const nlohmann::json wrote = lab::probe(pocker, {"--rm", "-v", host_.path() + ":/data:ro"}, {"write", "/data/x", "y"});
  ASSERT_TRUE(wrote.is_object());
  EXPECT_EQ(wrote.value("written", true), false) << wrote.dump() << "\n  lesson: " << kVolumes;
  EXPECT_EQ(wrote.value("errno", ""), "EROFS") << wrote.dump() << "\n  lesson: " << kVolumes;
  EXPECT_TRUE(lab::read_file(host_.path() + "/x").empty()) << "the write reached the host directory\n  lesson: "
                                                            << kVolumes;
  const nlohmann::json read = lab::probe(pocker, {"--rm", "-v", host_.path() + ":/data:ro"}, {"cat", "/data/seen"});
  ASSERT_TRUE(read.is_object());
  EXPECT_EQ(read.value("content", ""), "still readable\n") << read.dump() << "\n  lesson: " << kVolumes;
}

// Catches: --read-only ignored (the root stays writable), and --tmpfs missing or mounted
// read-only too (it must stay writable under a read-only root).
TEST_F(LifecycleVolumes, ReadOnlyRootWithWritableTmpfs) {
  const nlohmann::json root = lab::probe(pocker, {"--rm", "--read-only", "--tmpfs", "/tmp"}, {"write", "/x", "y"});
  ASSERT_TRUE(root.is_object());
  EXPECT_EQ(root.value("written", true), false) << root.dump() << "\n  lesson: " << kVolumes;
  EXPECT_EQ(root.value("errno", ""), "EROFS") << root.dump() << "\n  lesson: " << kVolumes;

  const nlohmann::json tmp = lab::probe(pocker, {"--rm", "--read-only", "--tmpfs", "/tmp"}, {"write", "/tmp/x", "y"});
  ASSERT_TRUE(tmp.is_object());
  EXPECT_EQ(tmp.value("written", false), true) << tmp.dump() << "\n  lesson: " << kVolumes;

  const lab::Outcome mounts = pocker.run({"run", "--rm", "--read-only", "--tmpfs", "/tmp", "busybox", "sh", "-c",
                                          "grep ' /tmp ' /proc/mounts"});
  LAB_EXPECT_STATUS(mounts, 0, kVolumes);
  LAB_EXPECT_OUT_HAS(mounts, "tmpfs /tmp tmpfs rw", kVolumes);
}

// Catches: a read-only root that also makes the volumes read-only (each mount has its own flag).
TEST_F(LifecycleVolumes, VolumeWritableUnderReadOnlyRoot) {
  const nlohmann::json wrote =
      lab::probe(pocker, {"--rm", "--read-only", "-v", host_.path() + ":/data"}, {"write", "/data/x", "y"});
  ASSERT_TRUE(wrote.is_object());
  EXPECT_EQ(wrote.value("written", false), true) << wrote.dump() << "\n  lesson: " << kVolumes;
  EXPECT_EQ(lab::read_file(host_.path() + "/x"), "y") << "the host directory must have the file\n  lesson: "
                                                      << kVolumes;
}

}  // namespace
