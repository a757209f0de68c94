// Image references (pocker/reference.hpp): docker's grammar, its
// normalisation, and the digest check that guards every path made from one.
#include "pocker/reference.hpp"

#include <gtest/gtest.h>

namespace pocker {
namespace {

const std::string kHex(64, 'a');
const std::string kDigest = "sha256:" + kHex;

Reference parsed(const std::string& text) {
  auto ref = parse_reference(text);
  EXPECT_TRUE(ref) << text << ": " << ref.error().message();
  return ref ? ref.value() : Reference{};
}

TEST(ReferenceTest, OnePartNamesLiveInDockerLibrary) {
  Reference ref = parsed("busybox");
  EXPECT_EQ(ref.registry, "docker.io");
  EXPECT_EQ(ref.repo, "library/busybox");
  EXPECT_EQ(ref.tag, "latest");
  EXPECT_EQ(ref.normalized(), "docker.io/library/busybox:latest");
  EXPECT_EQ(ref.familiar(), "busybox:latest");
}

TEST(ReferenceTest, TwoPartNamesAreDockerHubUsers) {
  Reference ref = parsed("me/app:1.0");
  EXPECT_EQ(ref.normalized(), "docker.io/me/app:1.0");
  EXPECT_EQ(ref.familiar(), "me/app:1.0");
  // library/ with more parts under it is an ordinary namespace.
  EXPECT_EQ(parsed("library/a/b").familiar(), "library/a/b:latest");
}

TEST(ReferenceTest, RegistryIsAFirstPartWithADotAPortOrLocalhost) {
  EXPECT_EQ(parsed("localhost:5000/app").normalized(), "localhost:5000/app:latest");
  EXPECT_EQ(parsed("localhost:5000/app").familiar(), "localhost:5000/app:latest");
  EXPECT_EQ(parsed("localhost/app:2").registry, "localhost");
  EXPECT_EQ(parsed("ghcr.io/owner/tool:v1").registry, "ghcr.io");
  EXPECT_EQ(parsed("ghcr.io/owner/tool:v1").repo, "owner/tool");
  EXPECT_EQ(parsed("host:443/x").tag, "latest");
  // A first part without dot, port or localhost is a path, not a host.
  EXPECT_EQ(parsed("registry/app").registry, "docker.io");
  EXPECT_EQ(parsed("registry/app").repo, "registry/app");
}

TEST(ReferenceTest, DockerHubSpellingsAreOne) {
  EXPECT_EQ(parsed("docker.io/library/busybox:latest"), parsed("busybox"));
  EXPECT_EQ(parsed("index.docker.io/busybox"), parsed("busybox"));
  EXPECT_EQ(parsed("docker.io/busybox"), parsed("busybox:latest"));
}

TEST(ReferenceTest, FamiliarFormKeepsDockerIoWhenThePathLooksLikeAHost) {
  EXPECT_EQ(parsed("docker.io/a.b/c").familiar(), "docker.io/a.b/c:latest");
  EXPECT_EQ(parsed("docker.io/localhost/c").familiar(), "docker.io/localhost/c:latest");
  EXPECT_EQ(parsed("docker.io/ab/c").familiar(), "ab/c:latest");
  // Found by fuzz/reference_fuzz: a 64-hex repository shortened to the bare
  // hex would read back as an image id.
  EXPECT_EQ(parsed("docker.io/" + kHex).familiar(), "library/" + kHex + ":latest");
}

TEST(ReferenceTest, DigestsAreKeptAndNoTagIsImpliedWithOne) {
  Reference ref = parsed("busybox@" + kDigest);
  EXPECT_EQ(ref.tag, "");
  EXPECT_EQ(ref.digest, kDigest);
  EXPECT_EQ(ref.normalized(), "docker.io/library/busybox@" + kDigest);
  EXPECT_EQ(ref.familiar(), "busybox@" + kDigest);
  Reference both = parsed("localhost:5000/a/b:t@" + kDigest);
  EXPECT_EQ(both.tag, "t");
  EXPECT_EQ(both.normalized(), "localhost:5000/a/b:t@" + kDigest);
}

TEST(ReferenceTest, SeparatorsInPaths) {
  for (const char* good : {"a.b", "a_b", "a__b", "a-b", "a---b", "a0/b.c_d__e-f", "0"}) {
    EXPECT_TRUE(parse_reference(good)) << good;
  }
  for (const char* bad :
       {"a..b", "a___b", "_a", "a_", "a.", "-a", "a-", "a/", "/a", "a//b", "a b", "a/.b", "a/b/"}) {
    EXPECT_FALSE(parse_reference(bad)) << bad;
  }
}

TEST(ReferenceTest, UpperCaseRepositoryIsRefusedWithTheReason) {
  auto ref = parse_reference("BusyBox");
  ASSERT_FALSE(ref);
  EXPECT_NE(ref.error().message().find("must be lowercase"), std::string::npos)
      << ref.error().message();
  EXPECT_NE(ref.error().message().find("BusyBox"), std::string::npos);
  // Upper case in the first of several parts makes it a registry (docker's rule).
  EXPECT_EQ(parsed("MyHost/app").registry, "MyHost");
  EXPECT_FALSE(parse_reference("ghcr.io/Owner/app"));
}

TEST(ReferenceTest, TagGrammar) {
  EXPECT_EQ(parsed("a:_x").tag, "_x");
  EXPECT_EQ(parsed("a:V1.2-rc_3").tag, "V1.2-rc_3");
  EXPECT_TRUE(parse_reference("a:" + std::string(128, 't')));
  EXPECT_FALSE(parse_reference("a:" + std::string(129, 't')));
  for (const char* bad : {"a:", "a:.x", "a:-x", "a:x/y", "a:x:y", "a:x+y", "a:@"}) {
    EXPECT_FALSE(parse_reference(bad)) << bad;
  }
}

TEST(ReferenceTest, BadRegistries) {
  for (const char* bad : {"-bad.io/a", "bad-.io/a", "a..io/a", "host:/a", "host:12x/a",
                          "host:123456/a", "[::1]:5000/a"}) {
    EXPECT_FALSE(parse_reference(bad)) << bad;
  }
}

TEST(ReferenceTest, NamesOver255CharactersAreRefused) {
  std::string repo(255 - std::string("docker.io/library/").size(), 'a');
  EXPECT_TRUE(parse_reference(repo));
  EXPECT_FALSE(parse_reference(repo + "a"));
}

TEST(ReferenceTest, ABare64HexNameIsAnIdNotARepository) {
  EXPECT_FALSE(parse_reference(kHex));
  EXPECT_TRUE(parse_reference(kHex.substr(1)));
}

TEST(ReferenceTest, EmptyAndDegenerate) {
  for (const char* bad : {"", ":", "@", ":tag", "@", "a@", "a@sha256:", "/", "a:b@"}) {
    EXPECT_FALSE(parse_reference(bad)) << '"' << bad << '"';
  }
}

TEST(DigestCheckTest, OnlySha256With64LowerHex) {
  EXPECT_TRUE(is_valid_digest(kDigest));
  EXPECT_TRUE(check_digest("sha256:" + std::string(32, '0') + std::string(32, 'f')));
  for (const std::string& bad :
       {std::string("sha256:") + std::string(63, 'a'), "sha256:" + std::string(65, 'a'),
        "sha256:" + std::string(63, 'a') + "A", "sha512:" + kHex, "SHA256:" + kHex,
        std::string("sha256:../../../../etc/passwd"), "sha256:" + std::string(62, 'a') + "/x",
        std::string("sha256:") + std::string(63, 'a') + '\0', kHex, std::string()}) {
    EXPECT_FALSE(is_valid_digest(bad)) << bad;
    EXPECT_EQ(digest_hex(bad), "") << bad;
  }
  EXPECT_EQ(digest_hex(kDigest), kHex);
  auto r = check_digest("sha256:../../x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("sha256:../../x"), std::string::npos);
}

TEST(ReferenceTest, TraversalInADigestIsRefusedBeforeAnyUse) {
  EXPECT_FALSE(parse_reference("busybox@sha256:../../../../etc/passwd"));
  EXPECT_FALSE(parse_reference("busybox@sha512:" + kHex + kHex));
}

TEST(ReferenceTest, NormalizedFormParsesToItself) {
  for (const char* text : {"busybox", "me/app:1", "localhost:5000/a/b:c",
                           "ghcr.io/x/y@sha256:"
                           "0000000000000000000000000000000000000000000000000000000000000000"}) {
    Reference ref = parsed(text);
    EXPECT_EQ(parsed(ref.normalized()), ref) << text;
    EXPECT_EQ(parsed(ref.familiar()), ref) << text;
  }
}

}  // namespace
}  // namespace pocker
