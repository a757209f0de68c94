// `pocker import TAR REF`: a root file system tar becomes a one-layer image that runs; its
// --change CMD/ENV/WORKDIR become the image's config, which `run` applies as docker does; and a tar
// that tries to write outside its layer is refused and leaves nothing, on the host or in the store.
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "images/hints.hpp"
#include "images/images.hpp"

namespace {

using lab::images::kConfig;
using lab::images::kLayer;
using lab::images::kUnpack;
using ImagesImport = lab::images::ImagesTest;

#define SKIP_WITHOUT_BUSYBOX()                                                        \
  if (!std::filesystem::exists(lab::images::kHostBusybox))                            \
  GTEST_SKIP() << "needs a static busybox at " << lab::images::kHostBusybox         \
               << " (Debian: apt-get install busybox-static)"

// Catches: import missing, a layer not unpacked where the overlay finds it, gzip not read.
TEST_F(ImagesImport, ImportedTreeRuns) {
  SKIP_WITHOUT_BUSYBOX();
  const std::string marker = "imported-" + lab::unique_name();
  const std::string tree = make_tree(marker);
  for (bool gzip : {false, true}) {
    const std::string ref = gzip ? "lab/tiny:gz" : "lab/tiny:1";
    const lab::Outcome imported = pocker.run({"import", tar_of(tree, gzip), ref});
    LAB_ASSERT_STATUS(imported, 0, kLayer);
    const lab::Outcome run = pocker.run({"run", "--rm", ref, "/bin/busybox", "cat", "/hello.txt"});
    LAB_EXPECT_STATUS(run, 0, kLayer);
    LAB_EXPECT_OUT_EQ(run, marker + "\n", kLayer);
  }
  LAB_EXPECT_OUT_HAS(pocker.run({"images"}), "lab/tiny", kLayer);
}

// Catches: Cmd, Env or WorkingDir of the image ignored by run, or run's own -e/-w/args not winning.
TEST_F(ImagesImport, ConfigAppliedToRuns) {
  SKIP_WITHOUT_BUSYBOX();
  const lab::Outcome imported =
      import_tree("lab/config:1", "config",
                  {R"(CMD ["/bin/busybox", "sh", "-c", "echo $GREETING; pwd"])", "ENV GREETING=from-image",
                   "WORKDIR /work"});
  LAB_ASSERT_STATUS(imported, 0, kConfig);
  const lab::Outcome defaults = pocker.run({"run", "--rm", "lab/config:1"});
  LAB_EXPECT_STATUS(defaults, 0, kConfig);
  LAB_EXPECT_OUT_EQ(defaults, "from-image\n/work\n", kConfig);
  const lab::Outcome flags = pocker.run({"run", "--rm", "-e", "GREETING=from-cli", "-w", "/tmp", "lab/config:1"});
  LAB_EXPECT_OUT_EQ(flags, "from-cli\n/tmp\n", kConfig);
  const lab::Outcome args = pocker.run({"run", "--rm", "lab/config:1", "/bin/busybox", "echo", "args win"});
  LAB_EXPECT_OUT_EQ(args, "args win\n", kConfig);
  const lab::Outcome entry =
      pocker.run({"run", "--rm", "--entrypoint", "/bin/busybox", "lab/config:1", "sh", "-c", "echo $GREETING"});
  LAB_EXPECT_OUT_EQ(entry, "from-image\n", kConfig);
}

class ImagesImportRefused : public lab::images::ImagesTest {
 protected:
  // A file outside every layer that a malicious tar aims at.
  void SetUp() override {
    canary_ = canary_dir_.path() + "/canary";
    lab::images::write_file(canary_, "original\n");
  }

  // Imports `entries` as a tar: pocker must exit 125, the canary keep its bytes, and neither
  // `images` nor the store show anything of it.
  void expect_refused(const std::vector<lab::images::TarEntry>& entries) {
    const std::string tar = dir_.path() + "/evil.tar";
    lab::images::write_file(tar, lab::images::make_tar(entries));
    const lab::Outcome imported = pocker.run({"import", tar, "lab/evil:1"});
    LAB_EXPECT_STATUS(imported, 125, kUnpack);
    EXPECT_EQ(lab::read_file(canary_), "original\n")
        << "the tar wrote through to " << canary_ << ", outside its layer\n  lesson: " << kUnpack;
    const lab::Outcome images = pocker.run({"images", "-q"});
    LAB_EXPECT_OUT_EQ(images, "", kUnpack);
    // No half-unpacked layer either: nothing named like the tar's files stays in the store.
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(pocker.root(), ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      EXPECT_TRUE(name != "canary" && name != "innocent")
          << "left in the store after a refused import: " << it->path() << "\n  lesson: " << kUnpack;
    }
  }

  lab::TempDir canary_dir_{"pocker-lab-canary"};
  std::string canary_;
};

// Catches: an unpacker that follows `..` out of the layer (CVE-2014-6407 class).
TEST_F(ImagesImportRefused, PathTraversal) {
  expect_refused({{"innocent", '0', "x\n"}, {"../../../../../../../.." + canary_, '0', "pwned\n"}});
}

// Catches: an unpacker that writes through a symlink planted by the same tar.
TEST_F(ImagesImportRefused, WriteThroughAbsoluteSymlink) {
  expect_refused({{"innocent", '0', "x\n"}, {"link", '2', canary_dir_.path()}, {"link/canary", '0', "pwned\n"}});
}

// Catches: an unpacker that takes an absolute name as a host path.
TEST_F(ImagesImportRefused, AbsoluteName) {
  expect_refused({{"innocent", '0', "x\n"}, {canary_, '0', "pwned\n"}});
}

// Catches: import of something that is no tar at all, or under a bad name, leaving an image behind.
TEST_F(ImagesImportRefused, NotATarOrBadName) {
  const std::string junk = dir_.path() + "/junk.tar";
  lab::images::write_file(junk, std::string(4096, 'j'));
  const lab::Outcome imported = pocker.run({"import", junk, "lab/junk:1"});
  LAB_EXPECT_STATUS(imported, 125, kUnpack);
  const std::string tar = dir_.path() + "/ok.tar";
  lab::images::write_file(tar, lab::images::make_tar({{"innocent", '0', "x\n"}}));
  const lab::Outcome bad_name = pocker.run({"import", tar, "Lab/UPPER:1"});
  LAB_EXPECT_STATUS(bad_name, 125, kUnpack);
  LAB_EXPECT_OUT_EQ(pocker.run({"images", "-q"}), "", kUnpack);
}

}  // namespace
