// sha256 digests (pocker/digest.hpp), checked against FIPS 180-2's test
// vectors and, where it is installed, coreutils' sha256sum.
#include "pocker/digest.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <random>
#include <string>

#include "pocker/fs.hpp"

namespace pocker {
namespace {

class DigestTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("/tmp/pocker-digest-test-").value(); }
  void TearDown() override { (void)remove_tree(dir_); }
  std::string dir_;
};

// What `cmd` prints on its first line, without the newline.
std::string first_line_of(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "";
  char buf[512] = {};
  std::string out = fgets(buf, sizeof buf, p) ? buf : "";
  ::pclose(p);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(sha256_digest("").value(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_digest("abc").value(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").value(),
            "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, PiecesMakeTheSameDigestAsTheWhole) {
  std::string text(100000, '\0');
  std::mt19937 rng(7);
  for (char& c : text) c = static_cast<char>(rng());
  Digester d;
  for (size_t i = 0; i < text.size(); i += 997) d.update(std::string_view(text).substr(i, 997));
  EXPECT_EQ(d.bytes(), text.size());
  EXPECT_EQ(d.finish().value(), sha256_digest(text).value());
  EXPECT_FALSE(d.finish());  // only once
}

TEST_F(DigestTest, FileDigestAgreesWithSha256sum) {
  std::string path = dir_ + "/data";
  std::string text(3 * 1024 * 1024 + 17, '\0');
  std::mt19937 rng(11);
  for (char& c : text) c = static_cast<char>(rng());
  ASSERT_TRUE(write_file_atomic(path, text));
  auto got = file_digest(path);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got.value().size, text.size());
  if (::access("/usr/bin/sha256sum", X_OK) != 0) GTEST_SKIP() << "no sha256sum to compare with";
  std::string line = first_line_of("/usr/bin/sha256sum " + path);
  EXPECT_EQ(got.value().digest, "sha256:" + line.substr(0, 64));
}

TEST_F(DigestTest, MissingFileNamesThePath) {
  auto got = file_digest(dir_ + "/missing");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().err(), ENOENT);
  EXPECT_NE(got.error().message().find(dir_ + "/missing"), std::string::npos);
}

TEST_F(DigestTest, ChainIdFollowsTheImageSpec) {
  std::string a = "sha256:" + std::string(64, 'a');
  std::string b = "sha256:" + std::string(64, 'b');
  EXPECT_EQ(chain_id("", a).value(), a);
  // The spec's definition, computed by another program when there is one.
  std::string expect = sha256_digest(a + " " + b).value();
  if (::access("/usr/bin/sha256sum", X_OK) == 0) {
    std::string line = first_line_of("printf '%s' '" + a + " " + b + "' | /usr/bin/sha256sum");
    EXPECT_EQ(expect, "sha256:" + line.substr(0, 64));
  }
  EXPECT_EQ(chain_id(a, b).value(), expect);
  EXPECT_NE(chain_id(b, a).value(), expect);
  EXPECT_FALSE(chain_id("", "sha256:../x"));
  EXPECT_FALSE(chain_id("sha256:../x", a));
}

}  // namespace
}  // namespace pocker
