// Unit tests of the registry client's pure parts: the WWW-Authenticate
// challenge, base64, registry names, platforms and index entries, and the
// retry policy. The HTTP exchanges themselves are tested by the labs
// (labs/registry/) against Debian's docker-registry and a fake registry.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../src/registry/auth.hpp"
#include "../src/registry/http.hpp"
#include "../src/registry/platform.hpp"
#include "pocker/registry.hpp"

namespace pocker::registry {
namespace {

TEST(RegistryChallenge, BearerWithQuotedParameters) {
  auto c = parse_challenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c.value().scheme, "bearer");
  EXPECT_EQ(c.value().params["realm"], "https://auth.docker.io/token");
  EXPECT_EQ(c.value().params["service"], "registry.docker.io");
  EXPECT_EQ(c.value().params["scope"], "repository:library/alpine:pull");
}

TEST(RegistryChallenge, BasicAndUnquotedAndCommaInQuotes) {
  auto basic = parse_challenge(R"(Basic realm="a, b")");
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic.value().scheme, "basic");
  EXPECT_EQ(basic.value().params["realm"], "a, b");
  auto bare = parse_challenge("Bearer realm=http://x/t, service=svc");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare.value().params["realm"], "http://x/t");
  EXPECT_EQ(bare.value().params["service"], "svc");
  EXPECT_FALSE(parse_challenge(R"(Bearer realm="open)"));
  EXPECT_FALSE(parse_challenge(""));
}

TEST(RegistryBase64, RoundTripsAndRefusesJunk) {
  for (const std::string& text : std::vector<std::string>{"", "a", "ab", "abc", "user:pa:ss", std::string("\0\xff", 2)}) {
    auto back = base64_decode(base64_encode(text));
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(back.value(), text);
  }
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_FALSE(base64_decode("dXNlcjpwYXNz!"));
  EXPECT_FALSE(base64_decode("abc"));
}

TEST(RegistryName, NormalizedAsDockerNamesThem) {
  EXPECT_EQ(normalize_registry("").value(), "docker.io");
  EXPECT_EQ(normalize_registry("https://index.docker.io/v1/").value(), "docker.io");
  EXPECT_EQ(normalize_registry("registry-1.docker.io").value(), "docker.io");
  EXPECT_EQ(normalize_registry("http://127.0.0.1:5000/").value(), "127.0.0.1:5000");
  EXPECT_FALSE(normalize_registry("example.com/some/path"));
  EXPECT_FALSE(normalize_registry("a b"));
}

TEST(RegistryEndpoint, LoopbackIsPlainHttpDockerHubHasItsHost) {
  EXPECT_EQ(registry_endpoint("127.0.0.1:5000", true), "http://127.0.0.1:5000");
  EXPECT_EQ(registry_endpoint("localhost:5000", true), "http://localhost:5000");
  EXPECT_EQ(registry_endpoint("docker.io", true), "https://registry-1.docker.io");
  EXPECT_EQ(registry_endpoint("ghcr.io", false), "https://ghcr.io");
}

constexpr const char* kIndex = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":10,"platform":{"os":"linux","architecture":"amd64"}},
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":20,"platform":{"os":"linux","architecture":"arm","variant":"v6"}},
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":30,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:4444444444444444444444444444444444444444444444444444444444444444","size":40,"platform":{"os":"unknown","architecture":"unknown"}}]})";

TEST(RegistryIndex, ChoosesThePlatform) {
  auto amd64 = choose_manifest(kIndex, kOciIndex, parse_platform("linux/amd64").value());
  ASSERT_TRUE(amd64) << amd64.error().message();
  EXPECT_EQ(amd64.value().size, 10);
  // arm64 without a variant means v8.
  auto arm64 = choose_manifest(kIndex, kOciIndex, parse_platform("linux/arm64").value());
  ASSERT_TRUE(arm64);
  EXPECT_EQ(arm64.value().size, 30);
  // arm without a variant means v7, which the index lacks.
  auto arm = choose_manifest(kIndex, kOciIndex, parse_platform("linux/arm").value());
  ASSERT_FALSE(arm);
  EXPECT_NE(arm.error().message().find("linux/arm/v6"), std::string::npos) << arm.error().message();
  EXPECT_TRUE(choose_manifest(kIndex, kOciIndex, parse_platform("linux/arm/v6").value()));
}

TEST(RegistryIndex, RefusesAmbiguousAndBadDocuments) {
  Platform p = parse_platform("linux/amd64").value();
  EXPECT_FALSE(choose_manifest(R"({"manifests":[],"layers":[]})", kOciIndex, p));
  EXPECT_FALSE(choose_manifest(R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]})", kOciIndex, p));
  EXPECT_FALSE(choose_manifest(
      R"({"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../x","size":1,"platform":{"os":"linux","architecture":"amd64"}}]})",
      kOciIndex, p));
  EXPECT_FALSE(parse_platform("linux"));
  EXPECT_FALSE(parse_platform("linux//v7"));
}

TEST(RegistryRetry, RetryAfterAndBackoffAndLimits) {
  Response r;
  r.status = 429;
  r.headers = {{"retry-after", "2"}};
  EXPECT_EQ(retry_delay(r, 0), std::chrono::milliseconds(2000));
  r.headers = {{"retry-after", "999999"}};
  EXPECT_EQ(retry_delay(r, 0), std::chrono::milliseconds(60000));
  r.headers.clear();
  EXPECT_EQ(retry_delay(r, 1), std::chrono::milliseconds(500));
  EXPECT_EQ(retry_delay(r, kMaxTries - 1), std::nullopt);
  r.status = 503;
  EXPECT_TRUE(retry_delay(r, 0));
  r.status = 404;
  EXPECT_EQ(retry_delay(r, 0), std::nullopt);
  r.status = 0;
  r.transport_error = "Couldn't connect to server";
  EXPECT_EQ(retry_delay(r, 0), std::nullopt);
  r.retryable_transport = true;
  EXPECT_TRUE(retry_delay(r, 0));
}

TEST(RegistryFailure, SpecErrorBodiesAreShown) {
  Response r;
  r.status = 404;
  r.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})";
  EXPECT_EQ(failure_text(r), "status 404, MANIFEST_UNKNOWN: manifest unknown");
}

}  // namespace
}  // namespace pocker::registry
