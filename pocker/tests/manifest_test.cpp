// Manifests and configs (pocker/manifest.hpp): read strictly, and an image
// unpacked layer by layer into the layer store, sharing what it can.
#include "pocker/manifest.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "image_fixture.hpp"
#include "pocker/digest.hpp"

namespace pocker {
namespace {

using nlohmann::json;

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');

json descriptor(std::string_view type, const std::string& digest, long long size) {
  return {{"mediaType", type}, {"digest", digest}, {"size", size}};
}

// A vector, not a json: `{descriptor(...)}` as a json would be the one
// descriptor itself with clang, an array of it with g++.
json manifest_with(const std::vector<json>& layers) {
  json m = {{"schemaVersion", 2},
            {"mediaType", kOciManifest},
            {"config", descriptor(kOciConfig, kA, 10)},
            {"layers", json::array()}};
  for (const auto& layer : layers) m["layers"].push_back(layer);
  return m;
}

TEST(ManifestTest, ReadsOciAndDockerManifests) {
  json m = manifest_with({descriptor(kOciLayerGzip, kB, 5), descriptor(kOciLayerZstd, kA, 6)});
  auto got = parse_manifest(m.dump(), kOciManifest);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got.value().config.digest, kA);
  ASSERT_EQ(got.value().layers.size(), 2u);
  EXPECT_EQ(got.value().layers[1].media_type, kOciLayerZstd);
  json d = {{"schemaVersion", 2},
            {"mediaType", kDockerManifest},
            {"config", descriptor(kDockerConfig, kA, 10)},
            {"layers", json::array({descriptor(kDockerLayerGzip, kB, 5)})}};
  EXPECT_TRUE(parse_manifest(d.dump(), kDockerManifest));
}

TEST(ManifestTest, AmbiguousOrForeignDocumentsAreRefused) {
  json m = manifest_with({descriptor(kOciLayerGzip, kB, 5)});
  ASSERT_TRUE(parse_manifest(m.dump(), kOciManifest));      // each refusal below has one fault
  EXPECT_FALSE(parse_manifest(m.dump(), kDockerManifest));  // says OCI, named docker
  EXPECT_FALSE(parse_manifest(m.dump(), kOciIndex));
  json both = m;
  both["manifests"] = json::array();
  EXPECT_FALSE(parse_manifest(both.dump(), kOciManifest));
  json foreign = manifest_with({descriptor(kOciLayerGzip, kB, 5)});
  foreign["layers"][0]["urls"] = {"http://example.com/layer"};
  auto r = parse_manifest(foreign.dump(), kOciManifest);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("foreign layer"), std::string::npos);
  json odd = manifest_with({descriptor("application/x-bzip2", kB, 5)});
  EXPECT_FALSE(parse_manifest(odd.dump(), kOciManifest));
  json traversal = manifest_with({descriptor(kOciLayerGzip, "sha256:../../x", 5)});
  EXPECT_FALSE(parse_manifest(traversal.dump(), kOciManifest));
  json negative = manifest_with({descriptor(kOciLayerGzip, kB, -1)});
  EXPECT_FALSE(parse_manifest(negative.dump(), kOciManifest));
  json many = manifest_with({});
  for (int i = 0; i < 257; ++i) many["layers"].push_back(descriptor(kOciLayerGzip, kB, 1));
  EXPECT_FALSE(parse_manifest(many.dump(), kOciManifest));
  EXPECT_FALSE(parse_manifest("[]", kOciManifest));
  EXPECT_FALSE(parse_manifest("{\"schemaVersion\":1}", kOciManifest));
}

TEST(ManifestTest, ConfigDiffIds) {
  json c = {{"os", "linux"},
            {"architecture", "amd64"},
            {"rootfs", {{"type", "layers"}, {"diff_ids", {kA, kB}}}}};
  auto got = parse_image_config(c.dump());
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got.value().diff_ids, (std::vector<std::string>{kA, kB}));
  EXPECT_EQ(got.value().os, "linux");
  c["rootfs"]["diff_ids"].push_back("sha256:../x");
  EXPECT_FALSE(parse_image_config(c.dump()));
  EXPECT_FALSE(parse_image_config("{}"));
}

class UnpackImageTest : public test::TempDirTest {};

TEST_F(UnpackImageTest, TwoImagesShareTheirBottomLayer) {
  auto layout = Layout::open(dir_ + "/oci");
  ASSERT_TRUE(layout) << layout.error().message();
  // A base layer and two different top layers over it.
  auto put_layer = [&](const std::string& name, const std::vector<test::TarEntry>& entries) {
    std::string tar = dir_ + "/" + name;
    test::write_tar(tar, entries);
    test::compress_file(tar, tar + ".gz", test::Compression::kGzip);
    Fd fd(::open((tar + ".gz").c_str(), O_RDONLY | O_CLOEXEC));
    FileDigest gz = file_digest(tar + ".gz").value();
    Descriptor d = layout.value()
                       .put_blob_from(fd.get(), {std::string(kOciLayerGzip), gz.digest,
                                                 static_cast<long long>(gz.size)})
                       .value();
    return std::make_pair(d, file_digest(tar).value().digest);
  };
  auto base = put_layer("base", {test::file("etc/os", "base\n"), test::file("etc/gone", "x")});
  auto top1 = put_layer("top1", {test::file("etc/.wh.gone", ""), test::file("app", "one\n")});
  auto top2 = put_layer("top2", {test::file("app", "two\n")});
  auto put_image = [&](const std::pair<Descriptor, std::string>& top) {
    json config = {{"os", "linux"},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", {base.second, top.second}}}}};
    Descriptor c = layout.value().put_blob(config.dump(), kOciConfig).value();
    json m = manifest_with({descriptor(kOciLayerGzip, base.first.digest, base.first.size),
                            descriptor(kOciLayerGzip, top.first.digest, top.first.size)});
    m["config"] = descriptor(kOciConfig, c.digest, c.size);
    return layout.value().put_blob(m.dump(), kOciManifest).value();
  };
  Descriptor one = put_image(top1);
  Descriptor two = put_image(top2);
  auto first = unpack_image(layout.value(), dir_ + "/layers", one, UnpackOptions());
  ASSERT_TRUE(first) << first.error().message();
  auto second = unpack_image(layout.value(), dir_ + "/layers", two, UnpackOptions());
  ASSERT_TRUE(second) << second.error().message();
  ASSERT_EQ(first.value().size(), 2u);
  ASSERT_EQ(second.value().size(), 2u);
  EXPECT_EQ(first.value()[0].path, second.value()[0].path);
  EXPECT_TRUE(second.value()[0].existed);
  EXPECT_FALSE(second.value()[1].existed);
  EXPECT_EQ(read_file(first.value()[0].path + "/etc/os").value(), "base\n");
  EXPECT_EQ(read_file(first.value()[1].path + "/app").value(), "one\n");
  EXPECT_EQ(read_file(second.value()[1].path + "/app").value(), "two\n");
  struct stat st;
  ASSERT_EQ(::lstat((first.value()[1].path + "/etc/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  std::string out;
  ASSERT_EQ(test::run_shell("ls " + dir_ + "/layers | wc -l", &out), 0);
  EXPECT_EQ(out, "3\n");
  // A config that names a different layer makes the unpack fail, and
  // leaves no layer for it.
  json bad_config = {{"rootfs", {{"type", "layers"}, {"diff_ids", {base.second, kA}}}}};
  Descriptor c = layout.value().put_blob(bad_config.dump(), kOciConfig).value();
  json m = manifest_with({descriptor(kOciLayerGzip, base.first.digest, base.first.size),
                          descriptor(kOciLayerGzip, top2.first.digest, top2.first.size)});
  m["config"] = descriptor(kOciConfig, c.digest, c.size);
  Descriptor bad = layout.value().put_blob(m.dump(), kOciManifest).value();
  auto r = unpack_image(layout.value(), dir_ + "/layers", bad, UnpackOptions());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("diff_id mismatch"), std::string::npos) << r.error().message();
  ASSERT_EQ(test::run_shell("ls -A " + dir_ + "/layers | wc -l", &out), 0);
  EXPECT_EQ(out, "3\n");
}

}  // namespace
}  // namespace pocker
