// The OCI image layout (pocker/layout.hpp): blobs named by digest and
// written whole or not at all, references under a lock, and interop both
// ways with skopeo and umoci.
#include "pocker/layout.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "image_fixture.hpp"
#include "pocker/digest.hpp"
#include "pocker/reference.hpp"
#include "pocker/unpack.hpp"

namespace pocker {
namespace {

using nlohmann::json;

const std::string kRef = "docker.io/library/pocker-test:1";

class LayoutTest : public test::TempDirTest {
 protected:
  Layout open_layout() {
    auto layout = Layout::open(dir_ + "/oci");
    EXPECT_TRUE(layout) << layout.error().message();
    return std::move(layout).value();
  }
  std::string ls(const std::string& path) {
    std::string out;
    EXPECT_EQ(test::run_shell("ls -A " + path, &out), 0) << out;
    return out;
  }

  // A one-layer image (gzip layer, config, manifest) in `layout`, named
  // kRef; returns the manifest's descriptor. The layer holds etc/hello.
  Descriptor put_image(const Layout& layout) {
    std::string tar = dir_ + "/layer.tar";
    test::write_tar(tar, {test::dir("etc"), test::file("etc/hello", "hello from pocker\n")});
    test::compress_file(tar, tar + ".gz", test::Compression::kGzip);
    Fd gz(::open((tar + ".gz").c_str(), O_RDONLY | O_CLOEXEC));
    FileDigest gz_digest = file_digest(tar + ".gz").value();
    auto layer = layout.put_blob_from(gz.get(), {std::string(kOciLayerGzip), gz_digest.digest,
                                                 static_cast<long long>(gz_digest.size)});
    EXPECT_TRUE(layer) << layer.error().message();
    json config = {
        {"architecture", "amd64"},
        {"os", "linux"},
        {"config", {{"Cmd", {"/bin/sh"}}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", {file_digest(tar).value().digest}}}}};
    auto config_desc = layout.put_blob(config.dump(), kOciConfig);
    EXPECT_TRUE(config_desc);
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", kOciManifest},
                     {"config",
                      {{"mediaType", kOciConfig},
                       {"digest", config_desc.value().digest},
                       {"size", config_desc.value().size}}},
                     {"layers", json::array({json{{"mediaType", kOciLayerGzip},
                                                  {"digest", layer.value().digest},
                                                  {"size", layer.value().size}}})}};
    auto manifest_desc = layout.put_blob(manifest.dump(), kOciManifest);
    EXPECT_TRUE(manifest_desc);
    EXPECT_TRUE(layout.add_ref(kRef, manifest_desc.value()));
    return manifest_desc.value();
  }
};

TEST_F(LayoutTest, OpenMakesALayoutAndReopensIt) {
  Layout layout = open_layout();
  EXPECT_EQ(read_file(dir_ + "/oci/oci-layout").value(), R"({"imageLayoutVersion":"1.0.0"})");
  json index = json::parse(read_file(dir_ + "/oci/index.json").value());
  EXPECT_EQ(index["schemaVersion"], 2);
  EXPECT_TRUE(index["manifests"].empty());
  EXPECT_EQ(ls(dir_ + "/oci/blobs"), "sha256\n");
  EXPECT_TRUE(Layout::open(dir_ + "/oci"));
  EXPECT_TRUE(layout.refs().value().empty());
}

TEST_F(LayoutTest, ADirectoryThatIsNoLayoutIsRefused) {
  ASSERT_TRUE(make_dirs(dir_ + "/other"));
  ASSERT_TRUE(write_file_atomic(dir_ + "/other/file", "x"));
  auto layout = Layout::open(dir_ + "/other");
  ASSERT_FALSE(layout);
  EXPECT_NE(layout.error().message().find("not an OCI image layout"), std::string::npos);
  ASSERT_TRUE(make_dirs(dir_ + "/v2"));
  ASSERT_TRUE(write_file_atomic(dir_ + "/v2/oci-layout", R"({"imageLayoutVersion":"2.0.0"})"));
  EXPECT_FALSE(Layout::open(dir_ + "/v2"));
}

TEST_F(LayoutTest, ALayoutCutShortIsCompleted) {
  // Killed after oci-layout was written: the next open finishes the job.
  ASSERT_TRUE(make_dirs(dir_ + "/oci"));
  ASSERT_TRUE(write_file_atomic(dir_ + "/oci/oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  // And a temporary index.json of a writer killed halfway is removed.
  ASSERT_TRUE(write_file_atomic(dir_ + "/oci/index.json.tmp-Ab12Cd", "{\"manif"));
  Layout layout = open_layout();
  EXPECT_EQ(ls(dir_ + "/oci"), "blobs\nindex.json\noci-layout\n");
  EXPECT_TRUE(layout.refs());
}

TEST_F(LayoutTest, BlobsAreNamedByTheirDigest) {
  Layout layout = open_layout();
  auto d = layout.put_blob("hello", "text/plain");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d.value().digest, sha256_digest("hello").value());
  EXPECT_EQ(d.value().size, 5);
  EXPECT_EQ(read_file(layout.blob_path(d.value().digest).value()).value(), "hello");
  EXPECT_TRUE(layout.has_blob(d.value().digest));
  EXPECT_EQ(layout.read_blob(d.value()).value(), "hello");
  // Again: the blob is there already, which is success.
  EXPECT_TRUE(layout.put_blob("hello", "text/plain"));
  EXPECT_EQ(ls(dir_ + "/oci/blobs/sha256"), d.value().digest.substr(7) + "\n");
}

TEST_F(LayoutTest, ABlobThatIsNotWhatItClaimsLeavesNothing) {
  Layout layout = open_layout();
  {
    BlobWriter w = layout.begin_blob().value();
    ASSERT_TRUE(w.write("evil"));
    auto r = w.commit(sha256_digest("good").value());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("digest mismatch"), std::string::npos);
  }
  {
    BlobWriter w = layout.begin_blob().value();
    ASSERT_TRUE(w.write("good"));
    auto r = w.commit(sha256_digest("good").value(), 5);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("size mismatch"), std::string::npos);
  }
  {
    BlobWriter w = layout.begin_blob().value();
    ASSERT_TRUE(w.write("dropped before commit"));
  }
  ASSERT_TRUE(write_file_atomic(dir_ + "/long", std::string(3 << 20, 'x')));
  Fd fd(::open((dir_ + "/long").c_str(), O_RDONLY | O_CLOEXEC));
  auto r = layout.put_blob_from(fd.get(), {"x", sha256_digest("short").value(), 5});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("longer than the 5 bytes"), std::string::npos);
  EXPECT_EQ(ls(dir_ + "/oci/blobs/sha256"), "");
  EXPECT_EQ(ls(dir_ + "/oci"), "blobs\nindex.json\noci-layout\n");
}

TEST_F(LayoutTest, ReadingABlobChecksIt) {
  Layout layout = open_layout();
  Descriptor d = layout.put_blob("content", "text/plain").value();
  Descriptor wrong_size = d;
  wrong_size.size = 3;
  EXPECT_FALSE(layout.read_blob(wrong_size));
  Descriptor too_big = d;
  too_big.size = 100;
  EXPECT_FALSE(layout.read_blob(too_big, 10));
  // Changed on disk: the digest no longer matches.
  ASSERT_TRUE(write_file_atomic(layout.blob_path(d.digest).value(), "contenT"));
  auto r = layout.read_blob(d);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("corrupt"), std::string::npos);
}

TEST_F(LayoutTest, DigestsThatAreNoNamesNeverReachTheFileSystem) {
  Layout layout = open_layout();
  ASSERT_TRUE(write_file_atomic(dir_ + "/secret", "secret"));
  for (std::string bad :
       {std::string("sha256:../../../secret"), "sha256:" + std::string(64, 'A'),
        std::string("md5:abc"), std::string("sha256:") + std::string(60, 'a') + "/../"}) {
    EXPECT_FALSE(layout.blob_path(bad)) << bad;
    EXPECT_FALSE(layout.open_blob(bad)) << bad;
    EXPECT_FALSE(layout.has_blob(bad)) << bad;
    EXPECT_FALSE(layout.read_blob({"x", bad, 6})) << bad;
    EXPECT_FALSE(layout.add_ref("a", {"x", bad, 6})) << bad;
  }
}

TEST_F(LayoutTest, ReferencesAddMoveResolveAndRemove) {
  Layout layout = open_layout();
  Descriptor a = layout.put_blob("a", std::string(kOciManifest)).value();
  Descriptor b = layout.put_blob("b", std::string(kOciManifest)).value();
  ASSERT_TRUE(layout.add_ref("docker.io/library/x:1", a));
  ASSERT_TRUE(layout.add_ref("docker.io/library/x:2", a));
  EXPECT_EQ(layout.resolve("docker.io/library/x:1").value(), a);
  ASSERT_TRUE(layout.add_ref("docker.io/library/x:1", b));  // the tag moves
  EXPECT_EQ(layout.resolve("docker.io/library/x:1").value(), b);
  EXPECT_EQ(layout.resolve("docker.io/library/x:2").value(), a);
  auto refs = layout.refs().value();
  ASSERT_EQ(refs.size(), 2u);
  ASSERT_TRUE(layout.remove_ref("docker.io/library/x:2"));
  auto gone = layout.resolve("docker.io/library/x:2");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().err(), ENOENT);
  EXPECT_EQ(layout.remove_ref("docker.io/library/x:2").error().err(), ENOENT);
  EXPECT_EQ(layout.refs().value().size(), 1u);
  // Blobs stay until a garbage collection that is not this code's job.
  EXPECT_TRUE(layout.has_blob(a.digest));
}

TEST_F(LayoutTest, RefNamesFollowTheAnnotationGrammar) {
  Layout layout = open_layout();
  Descriptor a = layout.put_blob("a", std::string(kOciManifest)).value();
  for (const char* good :
       {"latest", "docker.io/library/busybox:latest", "a--b", "x@sha256:ab", "v1.0+build"}) {
    EXPECT_TRUE(is_valid_ref_name(good)) << good;
  }
  for (const char* bad : {"", "a b", "a/", "/a", "a//b", ":a", "a:", "a..b", "a---b", "a\nb"}) {
    EXPECT_FALSE(is_valid_ref_name(bad)) << bad;
    EXPECT_FALSE(layout.add_ref(bad, a)) << bad;
  }
  // Every reference pocker normalises fits.
  EXPECT_TRUE(is_valid_ref_name(parse_reference("localhost:5000/a/b:c").value().normalized()));
}

TEST_F(LayoutTest, OtherToolsEntriesAreKeptAndAmbiguityRefused) {
  Layout layout = open_layout();
  Descriptor a = layout.put_blob("a", std::string(kOciManifest)).value();
  json entry = {{"mediaType", kOciManifest}, {"digest", a.digest}, {"size", a.size}};
  json named = entry;
  named["annotations"] = {{"org.opencontainers.image.ref.name", "twice"}};
  json index = {{"schemaVersion", 2},
                {"annotations", {{"by", "hand"}}},
                {"manifests", {entry, named, named}}};
  ASSERT_TRUE(write_file_atomic(dir_ + "/oci/index.json", index.dump()));
  auto r = layout.resolve("twice");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("ambiguous"), std::string::npos);
  ASSERT_TRUE(layout.add_ref("new", a));
  json after = json::parse(read_file(dir_ + "/oci/index.json").value());
  EXPECT_EQ(after["annotations"]["by"], "hand");
  ASSERT_EQ(after["manifests"].size(), 4u);
  EXPECT_EQ(after["manifests"][0], entry);
  // A bad digest in a hand-written entry is an error, not a path.
  named["digest"] = "sha256:../../x";
  named["annotations"]["org.opencontainers.image.ref.name"] = "bad";
  after["manifests"].push_back(named);
  ASSERT_TRUE(write_file_atomic(dir_ + "/oci/index.json", after.dump()));
  EXPECT_FALSE(layout.resolve("bad"));
  EXPECT_FALSE(layout.refs());
}

TEST_F(LayoutTest, ConcurrentWritersLoseNoReference) {
  Layout layout = open_layout();
  Descriptor a = layout.put_blob("a", std::string(kOciManifest)).value();
  constexpr int kWriters = 4, kEach = 10;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0; i < kEach; ++i) {
        if (!layout.add_ref("r" + std::to_string(w) + "-" + std::to_string(i), a)) ::_exit(1);
        if (!layout.put_blob("blob " + std::to_string(w * 100 + i), "x")) ::_exit(2);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  EXPECT_EQ(layout.refs().value().size(), static_cast<size_t>(kWriters * kEach));
  std::string out;
  ASSERT_EQ(test::run_shell("ls " + dir_ + "/oci/blobs/sha256 | wc -l", &out), 0);
  EXPECT_EQ(out, std::to_string(kWriters * kEach + 1) + "\n");
  EXPECT_EQ(ls(dir_ + "/oci"), "blobs\nindex.json\noci-layout\n");  // no temporary left
}

TEST_F(LayoutTest, SkopeoReadsOurLayout) {
  if (!test::have_tool("skopeo")) GTEST_SKIP() << "skopeo is not installed";
  Layout layout = open_layout();
  Descriptor manifest = put_image(layout);
  std::string out;
  ASSERT_EQ(test::run_shell("skopeo inspect oci:" + dir_ + "/oci:" + kRef, &out), 0) << out;
  json j = json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  EXPECT_EQ(j["Digest"], manifest.digest);
  json m = json::parse(layout.read_blob(manifest).value());
  EXPECT_EQ(j["Layers"], json::array({m["layers"][0]["digest"]}));
  EXPECT_EQ(j["Os"], "linux");
}

TEST_F(LayoutTest, UmociListsAndUnpacksOurLayout) {
  if (!test::have_tool("umoci")) GTEST_SKIP() << "umoci is not installed";
  Layout layout = open_layout();
  put_image(layout);
  std::string out;
  ASSERT_EQ(test::run_shell("umoci ls --layout " + dir_ + "/oci", &out), 0) << out;
  EXPECT_EQ(out, kRef + "\n");
  std::string rootless = ::geteuid() == 0 ? "" : " --rootless";
  ASSERT_EQ(test::run_shell("umoci unpack" + rootless + " --image " + dir_ + "/oci:" + kRef + " " +
                                dir_ + "/bundle",
                            &out),
            0)
      << out;
  EXPECT_EQ(read_file(dir_ + "/bundle/rootfs/etc/hello").value(), "hello from pocker\n");
}

TEST_F(LayoutTest, WeReadALayoutUmociMade) {
  if (!test::have_tool("umoci")) GTEST_SKIP() << "umoci is not installed";
  // unpack, change, repack (which takes --rootless from the bundle).
  // `umoci insert` would be shorter, but umoci 0.4.7's insert writes a
  // tar cut short after the last file's data (no padding, no end blocks),
  // which GNU tar, bsdtar and pocker all refuse.
  std::string oci = dir_ + "/umoci";
  std::string image = oci + ":" + kRef;
  std::string bundle = dir_ + "/bundle";
  std::string rootless = ::geteuid() == 0 ? "" : " --rootless";
  std::string out;
  ASSERT_EQ(test::run_shell(
                "umoci init --layout " + oci + " && umoci new --image " + image +
                    " && umoci unpack" + rootless + " --image " + image + " " + bundle +
                    " && mkdir -p " + bundle + "/rootfs/etc && echo 'made by umoci' > " + bundle +
                    "/rootfs/etc/hi.txt && umoci repack --image " + image + " " + bundle,
                &out),
            0)
      << out;
  auto layout = Layout::open(oci);
  ASSERT_TRUE(layout) << layout.error().message();
  auto desc = layout.value().resolve(kRef);
  ASSERT_TRUE(desc) << desc.error().message();
  EXPECT_EQ(desc.value().media_type, kOciManifest);
  json manifest = json::parse(layout.value().read_blob(desc.value()).value());
  Descriptor config_desc{manifest["config"]["mediaType"], manifest["config"]["digest"],
                         manifest["config"]["size"]};
  json config = json::parse(layout.value().read_blob(config_desc).value());
  ASSERT_EQ(manifest["layers"].size(), config["rootfs"]["diff_ids"].size());
  ASSERT_FALSE(manifest["layers"].empty());
  // Every layer by ChainID, as the runtime will stack them.
  std::string chain;
  std::string top;
  for (size_t i = 0; i < manifest["layers"].size(); ++i) {
    std::string digest = manifest["layers"][i]["digest"];
    Fd blob = layout.value().open_blob(digest).value();
    LayerDigests expect{digest, config["rootfs"]["diff_ids"][i]};
    auto layer = unpack_layer(dir_ + "/layers", chain, blob.get(), expect, UnpackOptions());
    ASSERT_TRUE(layer) << layer.error().message();
    chain = layer.value().chain_id;
    top = layer.value().path;
  }
  EXPECT_EQ(read_file(top + "/etc/hi.txt").value(), "made by umoci\n");
  // And what we add to umoci's layout, umoci still reads.
  ASSERT_TRUE(layout.value().add_ref("docker.io/library/pocker-test:2", desc.value()));
  ASSERT_EQ(test::run_shell("umoci ls --layout " + oci + " | sort", &out), 0) << out;
  EXPECT_EQ(out, kRef + "\ndocker.io/library/pocker-test:2\n");
}

}  // namespace
}  // namespace pocker
