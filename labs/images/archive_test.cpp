// `pocker save` and `pocker load`: images travel as one tar (docker's format or OCI) and come back
// whole; other tools read what pocker writes and pocker reads what they write; a load checks every
// digest, cannot be tricked into writing outside its layers, and leaves nothing when it fails or is
// killed; `rmi` and `image prune` collect the blobs and layers no image or container uses.
#include <sys/mount.h>

#include <filesystem>
#include <string>

#include "images/hints.hpp"
#include "images/images.hpp"

namespace {

using lab::images::kArchive;
using lab::images::kGc;
using lab::images::kUnpack;

#define SKIP_WITHOUT(path)                                                               \
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "needs " << (path) << " (Debian: see " \
                                                   << "tools/debian-packages.txt)"

class ImagesArchive : public lab::images::ImagesTest {
 protected:
  // `sh -c script` with $P (pocker --root ROOT) and $D (the test's directory) set.
  lab::Outcome sh(const std::string& script) {
    const std::string prefix = "P='" + lab::pocker_bin() + " --root " + pocker.root() + "'; D='" +
                               dir_.path() + "'; set -e; ";
    return lab::run({"/bin/sh", "-c", prefix + script});
  }
  // Files of the store's blobs and layers, one per line (sorted).
  std::string store_files() {
    return sh("cd " + pocker.root() + "/images 2>/dev/null || exit 0; "
              "find oci/blobs/sha256 layers -mindepth 1 -maxdepth 1 2>/dev/null | sort").out;
  }
};

// Catches: save or load missing, a format written that the loader cannot read back, a name lost.
TEST_F(ImagesArchive, SaveThenLoadRoundTripsBothFormats) {
  SKIP_WITHOUT(lab::images::kHostBusybox);
  const std::string marker = "saved-" + lab::unique_name();
  LAB_ASSERT_STATUS(import_tree("lab/saved:1", marker), 0, kArchive);
  for (const std::string format : {"docker", "oci"}) {
    const std::string file = dir_.path() + "/" + format + ".tar";
    LAB_ASSERT_STATUS(pocker.run({"save", "--format", format, "-o", file, "lab/saved:1"}), 0, kArchive);
    LAB_ASSERT_STATUS(pocker.run({"rmi", "lab/saved:1"}), 0, kArchive);
    LAB_EXPECT_OUT_EQ(pocker.run({"images", "-q"}), "", kArchive);
    const lab::Outcome loaded = pocker.run({"load", "-i", file});
    LAB_ASSERT_STATUS(loaded, 0, kArchive);
    LAB_EXPECT_OUT_HAS(loaded, "Loaded image: lab/saved:1", kArchive);
    const lab::Outcome run = pocker.run({"run", "--rm", "lab/saved:1", "/bin/busybox", "cat", "/hello.txt"});
    LAB_EXPECT_OUT_EQ(run, marker + "\n", kArchive);
  }
  // From standard input too, as `docker load < file`.
  LAB_ASSERT_STATUS(pocker.run({"rmi", "lab/saved:1"}), 0, kArchive);
  LAB_EXPECT_STATUS(sh("$P load < $D/docker.tar"), 0, kArchive);
  LAB_EXPECT_OUT_HAS(pocker.run({"images"}), "lab/saved", kArchive);
}

// Catches: an archive other tools cannot read (the layout, the digests or the names wrong).
TEST_F(ImagesArchive, SkopeoAndUmociReadWhatSaveWrites) {
  SKIP_WITHOUT(lab::images::kHostBusybox);
  SKIP_WITHOUT("/usr/bin/skopeo");
  SKIP_WITHOUT("/usr/bin/umoci");
  const std::string marker = "interop-" + lab::unique_name();
  LAB_ASSERT_STATUS(import_tree("lab/interop:1", marker), 0, kArchive);
  LAB_ASSERT_STATUS(pocker.run({"save", "--format", "oci", "-o", dir_.path() + "/oci.tar", "lab/interop:1"}), 0, kArchive);
  const std::string digest = sh("$P images --digests | awk '/lab\\/interop/ {print $3}'").out;
  ASSERT_FALSE(digest.empty());
  // skopeo reads the store as it is, and the archive.
  const lab::Outcome store = sh("skopeo inspect --raw oci:" + pocker.root() +
                                "/images/oci:docker.io/lab/interop:1 | sha256sum");
  LAB_EXPECT_OUT_HAS(store, digest.substr(7, 64), kArchive);
  const lab::Outcome archive = sh("skopeo inspect oci-archive:$D/oci.tar:docker.io/lab/interop:1");
  LAB_EXPECT_OUT_HAS(archive, digest.substr(0, 71), kArchive);
  // umoci unpacks the same tree.
  const lab::Outcome unpacked = sh(
      "mkdir $D/layout && tar -C $D/layout -xf $D/oci.tar && "
      "umoci unpack --image $D/layout:docker.io/lab/interop:1 $D/bundle >/dev/null && "
      "cat $D/bundle/rootfs/hello.txt");
  LAB_EXPECT_OUT_EQ(unpacked, marker + "\n", kArchive);
}

// Catches: a loader that only reads its own format: skopeo's docker-archive (old docker's layout,
// `<id>/layer.tar` and `<hex>.json`) and its oci-archive (gzip layers) must load and run.
TEST_F(ImagesArchive, LoadsWhatSkopeoWrites) {
  SKIP_WITHOUT(lab::images::kHostBusybox);
  SKIP_WITHOUT("/usr/bin/skopeo");
  const std::string marker = "skopeo-" + lab::unique_name();
  LAB_ASSERT_STATUS(import_tree("lab/src:1", marker), 0, kArchive);
  const std::string src = "oci:" + pocker.root() + "/images/oci:docker.io/lab/src:1";
  LAB_ASSERT_STATUS(sh("skopeo copy -q " + src + " docker-archive:$D/d.tar:lab/fromdocker:1"), 0, kArchive);
  LAB_ASSERT_STATUS(sh("skopeo copy -q " + src + " oci-archive:$D/o.tar:docker.io/lab/fromoci:1"), 0, kArchive);
  LAB_ASSERT_STATUS(pocker.run({"rmi", "lab/src:1"}), 0, kArchive);
  for (const std::string name : {"d", "o"}) {
    LAB_ASSERT_STATUS(pocker.run({"load", "-i", dir_.path() + "/" + name + ".tar"}), 0, kArchive);
  }
  for (const std::string ref : {"lab/fromdocker:1", "lab/fromoci:1"}) {
    const lab::Outcome run = pocker.run({"run", "--rm", ref, "/bin/busybox", "cat", "/hello.txt"});
    LAB_EXPECT_OUT_EQ(run, marker + "\n", kArchive);
  }
}

// Catches: rmi that leaves every blob and layer behind, or a collector that takes what a container
// still uses (rmi -f) or what another name shares.
TEST_F(ImagesArchive, RmiAndPruneCollectOnlyWhatNothingUses) {
  SKIP_WITHOUT(lab::images::kHostBusybox);
  LAB_ASSERT_STATUS(import_tree("lab/gc:1", "gc"), 0, kGc);
  LAB_ASSERT_STATUS(pocker.run({"tag", "lab/gc:1", "lab/gc:2"}), 0, kGc);
  const std::string before = store_files();
  ASSERT_FALSE(before.empty());
  LAB_ASSERT_STATUS(pocker.run({"rmi", "lab/gc:1"}), 0, kGc);
  EXPECT_EQ(store_files(), before) << "lab/gc:2 still names the image\n  lesson: " << kGc;
  const std::string name = lab::unique_name("gc");
  LAB_ASSERT_STATUS(pocker.run({"run", "--name", name, "lab/gc:2", "/bin/busybox", "true"}), 0, kGc);
  LAB_ASSERT_STATUS(pocker.run({"rmi", "-f", "lab/gc:2"}), 0, kGc);
  LAB_EXPECT_STATUS(pocker.run({"image", "prune", "-a", "-f"}), 0, kGc);
  EXPECT_EQ(store_files(), before) << "a container was made from the image\n  lesson: " << kGc;
  LAB_ASSERT_STATUS(pocker.run({"rm", name}), 0, kGc);
  const lab::Outcome pruned = pocker.run({"image", "prune", "-f"});
  LAB_EXPECT_OUT_HAS(pruned, "Total reclaimed space", kGc);
  EXPECT_EQ(store_files(), "") << "nothing uses the image any more\n  lesson: " << kGc;
}

// Catches: a load killed halfway that leaves a half image, a blob or a layer a later load or run
// would take for whole; two loads of one image at once that trip over each other.
TEST_F(ImagesArchive, KilledAndConcurrentLoadsLeaveAConsistentStore) {
  SKIP_WITHOUT(lab::images::kHostBusybox);
  LAB_ASSERT_STATUS(import_tree("lab/kill:1", "kill"), 0, kArchive);
  LAB_ASSERT_STATUS(pocker.run({"save", "-o", dir_.path() + "/k.tar", "lab/kill:1"}), 0, kArchive);
  LAB_ASSERT_STATUS(pocker.run({"rmi", "lab/kill:1"}), 0, kArchive);
  ASSERT_EQ(store_files(), "");
  // Half the archive, then the writer stalls: pocker is in the middle of a blob when it is killed.
  const lab::Outcome killed = sh(
      "mkfifo $D/fifo; (head -c 600000 $D/k.tar; exec sleep 30) > $D/fifo 2>/dev/null & feeder=$!; "
      "$P load -i $D/fifo & loader=$!; sleep 1; kill -9 $loader; kill $feeder; wait $loader || true");
  LAB_ASSERT_STATUS(killed, 0, kArchive);
  LAB_EXPECT_OUT_EQ(pocker.run({"images", "-q"}), "", kArchive);
  EXPECT_EQ(store_files(), "") << "a killed load left a blob or layer in the store\n  lesson: " << kArchive;
  const lab::Outcome both = sh("$P load -i $D/k.tar > $D/1 & a=$!; $P load -i $D/k.tar > $D/2 & b=$!; "
                               "wait $a; wait $b; cat $D/1 $D/2");
  LAB_EXPECT_STATUS(both, 0, kArchive);
  LAB_EXPECT_OUT_EQ(both, "Loaded image: lab/kill:1\nLoaded image: lab/kill:1\n", kArchive);
  LAB_EXPECT_STATUS(pocker.run({"run", "--rm", "lab/kill:1", "/bin/busybox", "true"}), 0, kArchive);
  // What the killed load staged is gone after the next load.
  EXPECT_EQ(sh("ls -A " + pocker.root() + "/images/tmp").out, "") << "  lesson: " << kArchive;
}

// Catches: a full disk that leaves half a blob or a layer, or an error that does not say why.
TEST_F(ImagesArchive, FullDiskIsAClearErrorAndLeavesNothing) {
  SKIP_WITHOUT(lab::images::kHostBusybox);
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  // An image of about 12 MB that does not compress (random bytes), into a 6 MB store.
  const std::string tree = make_tree("full");
  ASSERT_EQ(sh("head -c 12000000 /dev/urandom > " + tree + "/big").status, 0);
  LAB_ASSERT_STATUS(pocker.run({"import", tar_of(tree), "lab/big:1"}), 0, kArchive);
  LAB_ASSERT_STATUS(pocker.run({"save", "-o", dir_.path() + "/big.tar", "lab/big:1"}), 0, kArchive);
  const std::string small = dir_.path() + "/small";
  std::filesystem::create_directories(small);
  ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=6m"), 0);
  const lab::Outcome loaded = lab::run({lab::pocker_bin(), "--root", small, "load", "-i", dir_.path() + "/big.tar"});
  const lab::Outcome images = lab::run({lab::pocker_bin(), "--root", small, "images", "-q"});
  const std::string left = sh("find " + small + "/images -type f | grep -v -e /index.json -e /oci-layout || true").out;
  ::umount2(small.c_str(), MNT_DETACH);
  LAB_EXPECT_STATUS(loaded, 125, kArchive);
  LAB_EXPECT_ERR_HAS(loaded, "no space left on device", kArchive);
  LAB_EXPECT_OUT_EQ(images, "", kArchive);
  EXPECT_EQ(left, "") << "a failed load left files in the store\n  lesson: " << kArchive;
}

// An OCI archive made by hand around one layer tar, for the attacks below. `diff_id` ("" for the
// layer's own) and `blob_name` ("" for the layer's digest) let the archive lie about the layer.
class ImagesLoadRefused : public ImagesArchive {
 protected:
  void SetUp() override {
    canary_ = canary_dir_.path() + "/canary";
    lab::images::write_file(canary_, "original\n");
  }

  std::string evil_archive(const std::vector<lab::images::TarEntry>& layer, const std::string& diff_id = "",
                           const std::string& workdir = "", bool bad_name = false) {
    lab::images::write_file(dir_.path() + "/layer.tar", lab::images::make_tar(layer));
    const std::string wd = workdir.empty() ? "" : ",\"config\":{\"WorkingDir\":\"" + workdir + "\"}";
    const lab::Outcome made = sh(
        "cd $D && rm -rf oci && mkdir -p oci/blobs/sha256 && "
        "L=$(sha256sum layer.tar | cut -c1-64); LS=$(stat -c %s layer.tar); "
        "N=$L; " + std::string(bad_name ? "N=$(echo x | sha256sum | cut -c1-64); " : "") +
        "cp layer.tar oci/blobs/sha256/$N; "
        "DIFF=${DIFF:-$L}; " + (diff_id.empty() ? "" : "DIFF=" + diff_id + "; ") +
        "printf '{\"architecture\":\"amd64\",\"os\":\"linux\"" + wd +
        ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]}}' $DIFF > cfg; "
        "C=$(sha256sum cfg | cut -c1-64); CS=$(stat -c %s cfg); cp cfg oci/blobs/sha256/$C; "
        "printf '{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%s\",\"size\":%s},"
        "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:%s\",\"size\":%s}]}' "
        "$C $CS $L $LS > man; M=$(sha256sum man | cut -c1-64); MS=$(stat -c %s man); cp man oci/blobs/sha256/$M; "
        "printf '{\"imageLayoutVersion\":\"1.0.0\"}' > oci/oci-layout; "
        "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        "\"digest\":\"sha256:%s\",\"size\":%s,\"annotations\":{\"org.opencontainers.image.ref.name\":\"lab/evil:1\"}}]}' "
        "$M $MS > oci/index.json; tar -C oci -cf evil.tar .");
    EXPECT_EQ(made.status, 0) << made.err;
    return dir_.path() + "/evil.tar";
  }

  // Loading `archive` must exit 125 with a line saying `why`, keep the canary's bytes, and leave
  // the store without image, blob or layer.
  void expect_refused(const std::string& archive, const std::string& why) {
    const lab::Outcome loaded = pocker.run({"load", "-i", archive});
    LAB_EXPECT_STATUS(loaded, 125, kUnpack);
    LAB_EXPECT_ERR_HAS(loaded, why, kUnpack);
    EXPECT_EQ(lab::read_file(canary_), "original\n") << "the archive wrote outside its layer\n  lesson: " << kUnpack;
    LAB_EXPECT_OUT_EQ(pocker.run({"images", "-q"}), "", kUnpack);
    EXPECT_EQ(store_files(), "") << "a refused load left a blob or layer\n  lesson: " << kUnpack;
  }

  lab::TempDir canary_dir_{"pocker-lab-canary"};
  std::string canary_;
};

// Catches: a layer whose tar escapes by `..`, through a symlink it plants, or by a hardlink out.
TEST_F(ImagesLoadRefused, EscapingLayers) {
  expect_refused(evil_archive({{"ok", '0', "x\n"}, {"../../../../../../../.." + canary_, '0', "pwned\n"}}), "..");
  expect_refused(evil_archive({{"link", '2', canary_dir_.path()}, {"link/canary", '0', "pwned\n"}}), "symlink");
  expect_refused(evil_archive({{"up", '2', "../../../../../../../../../../" + canary_dir_.path()},
                               {"up/canary", '0', "pwned\n"}}), "symlink");
  expect_refused(evil_archive({{".", '2', "/"}, {"canary", '0', "pwned\n"}}), "root");
  // A whiteout of `..`: overlayfs would hide the parent's entry; refused as a name.
  expect_refused(evil_archive({{"a/", '5', ""}, {"a/.wh..", '0', ""}}), "whiteout");
}

// Catches: a blob not checked against its digest, or a layer not checked against its diff_id.
TEST_F(ImagesLoadRefused, DigestAndDiffIdMismatch) {
  expect_refused(evil_archive({{"ok", '0', "x\n"}}, "", "", true), "digest mismatch");
  expect_refused(evil_archive({{"ok", '0', "x\n"}}, std::string(64, 'a')), "diff_id mismatch");
}

// Catches: a config the loader trusts: a WorkingDir that is no absolute path inside the root (the
// `proc/self/fd/N` family of CVE-2024-21626) is refused when the image is loaded, not at a run.
TEST_F(ImagesLoadRefused, ConfigWithWorkingDirOutOfTheRoot) {
  expect_refused(evil_archive({{"ok", '0', "x\n"}}, "", "proc/self/fd/7"), "WorkingDir");
}

// Catches: history, images --digests or image inspect missing.
TEST_F(ImagesArchive, HistoryDigestsAndImageInspect) {
  SKIP_WITHOUT(lab::images::kHostBusybox);
  LAB_ASSERT_STATUS(import_tree("lab/hist:1", "hist"), 0, kArchive);
  LAB_EXPECT_OUT_HAS(pocker.run({"history", "lab/hist:1"}), "pocker import", kArchive);
  const lab::Outcome digests = pocker.run({"images", "--digests"});
  LAB_EXPECT_OUT_HAS(digests, "DIGEST", kArchive);
  const std::string manifest = sh("$P image inspect -f '{{.Manifest}}' lab/hist:1").out;
  ASSERT_EQ(manifest.size(), 72u) << manifest;
  LAB_EXPECT_OUT_HAS(digests, manifest.substr(0, 71), kArchive);
}

// Catches: the Debian image of `make images` not loading or not running (skipped when the cache
// has none: tools/images/make-images.sh could not reach the Debian archive).
TEST_F(ImagesArchive, DebianImageRuns) {
  const char* cache = std::getenv("POCKER_IMAGE_CACHE");
  const std::string archive = std::string(cache && *cache ? cache : "/var/cache/pocker-images") + "/debian.tar";
  if (!std::filesystem::exists(archive)) {
    GTEST_SKIP() << "no " << archive << ": tools/images/make-images.sh (make images) could not reach "
                 << "the Debian archive";
  }
  LAB_ASSERT_STATUS(pocker.run({"load", "-i", archive}), 0, kArchive);
  const lab::Outcome run = pocker.run({"run", "--rm", "debian:bookworm", "cat", "/etc/debian_version"});
  LAB_EXPECT_STATUS(run, 0, kArchive);
  LAB_EXPECT_OUT_HAS(run, "12.", kArchive);
}

}  // namespace
