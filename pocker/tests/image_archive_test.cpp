// save/load and garbage collection of the image store (pocker/image_archive.hpp,
// collect_image_garbage() in pocker/image.hpp), rootless: no run, only the store.
#include "pocker/image_archive.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "image_fixture.hpp"
#include "pocker/image.hpp"
#include "pocker/reference.hpp"

namespace pocker {
namespace {

class ImageArchiveTest : public test::TempDirTest {
 protected:
  StoreRoot store(const std::string& name) { return StoreRoot{dir_ + "/" + name}; }

  // A one-layer image `ref` in `s`, from a tiny tree.
  void import(const StoreRoot& s, const std::string& ref, const std::string& text) {
    std::string tar = dir_ + "/" + text + ".tar";
    test::write_tar(tar, {test::dir("etc"), test::file("etc/text", text)});
    auto image = import_image(s, tar, ref, ImageDefaults{});
    ASSERT_TRUE(image) << image.error().message();
  }

  // The names in `dir`, sorted, joined by spaces ("" when missing or empty).
  std::string names_in(const std::string& dir) {
    std::string out;
    test::run_shell("ls " + dir + " 2>/dev/null | tr '\\n' ' '", &out);
    return out;
  }
};

TEST_F(ImageArchiveTest, SaveThenLoadIntoAnotherStoreInBothFormats) {
  StoreRoot a = store("a");
  import(a, "lab/one:1", "one");
  import(a, "lab/two:1", "two");
  for (ArchiveFormat format : {ArchiveFormat::kDocker, ArchiveFormat::kOci}) {
    std::string file = dir_ + (format == ArchiveFormat::kOci ? "/oci.tar" : "/docker.tar");
    Fd out(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(out);
    auto saved = save_images(a, {"lab/one:1", "lab/two:1", "lab/one:1"}, format, out.get(), file);
    ASSERT_TRUE(saved) << saved.error().message();
    StoreRoot b = store(format == ArchiveFormat::kOci ? "b-oci" : "b-docker");
    Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    auto names = load_images(b, in.get(), file);
    ASSERT_TRUE(names) << names.error().message();
    EXPECT_EQ(names.value(), (std::vector<std::string>{"docker.io/lab/one:1", "docker.io/lab/two:1"}));
    // The same manifests, so the same ids and digests.
    for (const char* ref : {"lab/one:1", "lab/two:1"}) {
      auto before = find_image(a, ref, false);
      auto after = find_image(b, ref, false);
      ASSERT_TRUE(before && after);
      EXPECT_EQ(before.value().manifest, after.value().manifest);
    }
    EXPECT_EQ(names_in(b.images() + "/tmp"), "") << "the staging directory stayed";
  }
}

TEST_F(ImageArchiveTest, ATruncatedArchiveLeavesNothing) {
  StoreRoot a = store("a");
  import(a, "lab/one:1", "one");
  std::string file = dir_ + "/full.tar";
  {
    Fd out(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(save_images(a, {"lab/one:1"}, ArchiveFormat::kDocker, out.get(), file));
  }
  ASSERT_EQ(test::run_shell("head -c 3000 " + file + " > " + dir_ + "/cut.tar"), 0);
  StoreRoot b = store("b");
  Fd in(::open((dir_ + "/cut.tar").c_str(), O_RDONLY | O_CLOEXEC));
  auto names = load_images(b, in.get(), "cut.tar");
  ASSERT_FALSE(names);
  EXPECT_EQ(names_in(b.oci_layout() + "/blobs/sha256"), "");
  EXPECT_EQ(names_in(b.layers()), "");
  EXPECT_EQ(names_in(b.images() + "/tmp"), "");
}

TEST_F(ImageArchiveTest, GarbageIsWhatNoReferenceReaches) {
  StoreRoot s = store("s");
  import(s, "lab/one:1", "one");
  import(s, "lab/two:1", "two");
  auto layout = Layout::open(s.oci_layout());
  ASSERT_TRUE(layout);
  auto stray = layout.value().put_blob("stray", kOciConfig);
  ASSERT_TRUE(stray);
  std::string fake_layer = s.layers() + "/" + std::string(64, 'a');
  ASSERT_TRUE(make_dirs(fake_layer + "/diff"));
  ASSERT_TRUE(make_dirs(s.layers() + "/.unpack-killed/diff"));
  auto report = collect_image_garbage(s);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report.value().blobs, std::vector<std::string>{stray.value().digest});
  EXPECT_EQ(report.value().layers, 1);
  EXPECT_FALSE(layout.value().has_blob(stray.value().digest));
  EXPECT_NE(::access(fake_layer.c_str(), F_OK), 0);
  EXPECT_NE(::access((s.layers() + "/.unpack-killed").c_str(), F_OK), 0);
  // Both images are whole still; without names, nothing of them stays.
  ASSERT_TRUE(find_image(s, "lab/one:1", false));
  ASSERT_TRUE(find_image(s, "lab/two:1", false));
  ASSERT_TRUE(untag_image(s, "docker.io/lab/one:1"));
  ASSERT_TRUE(untag_image(s, "docker.io/lab/two:1"));
  report = collect_image_garbage(s);
  ASSERT_TRUE(report);
  EXPECT_EQ(report.value().blobs.size(), 6u);  // two manifests, configs and layers
  EXPECT_EQ(report.value().layers, 2);
  EXPECT_EQ(names_in(s.oci_layout() + "/blobs/sha256"), "");
  EXPECT_EQ(names_in(s.layers()), "");
}

TEST_F(ImageArchiveTest, AddRefsIsAllOrNothing) {
  auto layout = Layout::open(dir_ + "/oci");
  ASSERT_TRUE(layout);
  auto blob = layout.value().put_blob("{}", kOciManifest);
  ASSERT_TRUE(blob);
  EXPECT_FALSE(layout.value().add_refs({{"a:1", blob.value()}, {"Bad Name", blob.value()}}));
  EXPECT_TRUE(layout.value().refs().value().empty());
  ASSERT_TRUE(layout.value().add_refs({{"a:1", blob.value()}, {"b:1", blob.value()}}));
  EXPECT_EQ(layout.value().refs().value().size(), 2u);
}

}  // namespace
}  // namespace pocker
