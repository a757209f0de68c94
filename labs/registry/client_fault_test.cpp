// The registry client against a registry that misbehaves on purpose (fake_registry.hpp): a blob
// whose bytes are not its digest, a connection dropped in the middle of a blob, 429 Too Many
// Requests, a manifest too big to read, and the Bearer token flow. Each ends with a clear error and
// nothing in the store, or with the image, as it should.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>

#include "registry/fake_registry.hpp"
#include "registry/hints.hpp"
#include "registry/registry.hpp"

namespace {

using namespace lab::registry;

// The fake registry's behaviour, switched by the test while it runs.
enum class Fault { kNone, kWrongDigest, kDropMidBlob, kTooManyRequests, kHugeManifest, kBearer };

class RegistryClientFault : public lab::images::ImagesTest {
 protected:
  void SetUp() override {
    image_ = raw_image("fake-" + lab::unique_name(), dir_.path() + "/scratch");
    ASSERT_EQ(image_.layer_digest.size(), 71u) << "sha256sum failed";
  }

  HttpAnswer answer(const HttpRequest& r) {
    const Fault fault = fault_;
    const std::string repo = "/v2/lab/fake/";
    if (fault == Fault::kBearer) {
      if (r.target.rfind("/token?", 0) == 0) return {200, {"Content-Type: application/json"}, R"({"token":"tok-123"})"};
      if (r.header("Authorization") != "Bearer tok-123") {
        return {401,
                {"WWW-Authenticate: Bearer realm=\"http://" + host_ + "/token\",service=\"fake\",scope=\"repository:lab/fake:pull\""},
                R"({"errors":[{"code":"UNAUTHORIZED","message":"token required"}]})"};
      }
    }
    if (r.target == "/v2/") return {200, {}, "{}"};
    if (r.target == repo + "manifests/1") {
      if (fault == Fault::kTooManyRequests && manifest_gets_++ == 0) return {429, {"Retry-After: 1"}, ""};
      if (fault == Fault::kHugeManifest) {
        return {200, {"Content-Type: application/vnd.oci.image.manifest.v1+json"}, std::string(5 << 20, ' ')};
      }
      return {200,
              {"Content-Type: application/vnd.oci.image.manifest.v1+json", "Docker-Content-Digest: " + image_.manifest_digest},
              image_.manifest};
    }
    if (r.target == repo + "blobs/" + image_.config_digest) return {200, {}, image_.config};
    if (r.target == repo + "blobs/" + image_.layer_digest) {
      std::string layer = image_.layer;
      if (fault == Fault::kWrongDigest) layer[10] ^= 1;
      const std::string range = r.header("Range");
      if (fault == Fault::kDropMidBlob && range.empty()) {
        // Half the bytes, then the connection closes: Content-Length promised them all.
        return {200, {}, layer.substr(0, layer.size() / 2), static_cast<long long>(layer.size())};
      }
      if (range.rfind("bytes=", 0) == 0) {
        const size_t from = std::stoul(range.substr(6));
        return {206,
                {"Content-Range: bytes " + std::to_string(from) + "-" + std::to_string(layer.size() - 1) + "/" +
                 std::to_string(layer.size())},
                layer.substr(from)};
      }
      return {200, {}, layer};
    }
    return {404, {}, R"({"errors":[{"code":"NOT_FOUND","message":"no such thing"}]})"};
  }

  void start(Fault fault) {
    fault_ = fault;
    fake_ = std::make_unique<FakeRegistry>([this](const HttpRequest& r) { return answer(r); });
    host_ = fake_->host();
  }
  std::string ref() const { return host_ + "/lab/fake:1"; }
  // The store has no trace of the image: no name, no blob with its digests, no temporary file.
  void expect_nothing_stored(const lab::Outcome& o, const char* hint) {
    const auto blobs = blob_names(pocker.root());
    for (const auto& digest : {image_.layer_digest, image_.config_digest, image_.manifest_digest}) {
      LAB_EXPECT(std::find(blobs.begin(), blobs.end(), digest.substr(7)) == blobs.end(),
                 "no blob " + digest + " in the store", o, hint);
    }
    LAB_EXPECT(temp_files(pocker.root()).empty(), "no temporary file in the store", o, hint);
    LAB_EXPECT_OUT_LACKS(pocker.run({"images"}), "lab/fake", hint);
  }

  RawImage image_;
  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<int> manifest_gets_{0};
  std::string host_;
  std::unique_ptr<FakeRegistry> fake_;
};

// Catches: blob bytes stored without checking them against the manifest's digest.
TEST_F(RegistryClientFault, WrongDigestRefused) {
  // A store with an image already: what a failed pull leaves would stay in it.
  ASSERT_EQ(pocker.run({"run", "--rm", "busybox", "true"}).status, 0);
  auto before = blob_names(pocker.root());
  start(Fault::kWrongDigest);
  const lab::Outcome pulled = pocker.run({"pull", ref()});
  LAB_EXPECT_STATUS(pulled, 125, kTrust);
  LAB_EXPECT_POCKER_ERROR(pulled, "digest mismatch", kTrust);
  expect_nothing_stored(pulled, kTrust);
  auto after = blob_names(pocker.root());
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  LAB_EXPECT(before == after, "the store's blobs as they were before the pull (no blob under any name)",
             pulled, kTrust);
  fault_ = Fault::kNone;  // the registry mends: a re-run works
  const lab::Outcome again = pocker.run({"pull", ref()});
  LAB_EXPECT_STATUS(again, 0, kTrust);
  LAB_EXPECT_OUT_HAS(pocker.run({"images"}), "lab/fake", kTrust);
}

// Catches: a dropped connection failing the pull, or starting the blob over instead of resuming.
TEST_F(RegistryClientFault, DroppedBlobResumesWithRange) {
  start(Fault::kDropMidBlob);
  const lab::Outcome pulled = pocker.run({"pull", ref()});
  LAB_EXPECT_STATUS(pulled, 0, kFaults);
  bool resumed = false;
  for (const auto& r : fake_->requests()) {
    resumed = resumed || r.header("Range") == "bytes=" + std::to_string(image_.layer.size() / 2) + "-";
  }
  LAB_EXPECT(resumed, "a GET with Range: bytes=" + std::to_string(image_.layer.size() / 2) + "-", pulled, kFaults);
  LAB_EXPECT(temp_files(pocker.root()).empty(), "no temporary file in the store", pulled, kFaults);
}

// Catches: 429 treated as fatal, or retried at once without waiting for Retry-After.
TEST_F(RegistryClientFault, TooManyRequestsRetriedAfterWait) {
  start(Fault::kTooManyRequests);
  const lab::Outcome pulled = pocker.run({"--trace", "pull", ref()});
  LAB_EXPECT_STATUS(pulled, 0, kFaults);
  LAB_EXPECT_ERR_HAS(pulled, "manifests/1 = 429", kFaults);
  LAB_EXPECT_ERR_HAS(pulled, "in 1000 ms", kFaults);
  LAB_EXPECT(manifest_gets_ >= 2, "the manifest asked for again after the 429", pulled, kFaults);
}

// Catches: a manifest read whole into memory however big it is (CVE-2023-25153 class).
TEST_F(RegistryClientFault, HugeManifestRefused) {
  start(Fault::kHugeManifest);
  const lab::Outcome pulled = pocker.run({"pull", ref()});
  LAB_EXPECT_STATUS(pulled, 125, kTrust);
  LAB_EXPECT_POCKER_ERROR(pulled, "more than 4194304 bytes", kTrust);
  expect_nothing_stored(pulled, kTrust);
}

// Catches: no Bearer flow (401 → token from the realm with the scope → the request again with it).
TEST_F(RegistryClientFault, BearerTokenFlow) {
  start(Fault::kBearer);
  const lab::Outcome pulled = pocker.run({"pull", ref()});
  LAB_ASSERT_STATUS(pulled, 0, kTokens);
  bool token_asked = false, manifest_with_token = false;
  for (const auto& r : fake_->requests()) {
    if (r.target.rfind("/token?", 0) == 0) {
      token_asked = r.target.find("service=fake") != std::string::npos &&
                    r.target.find("scope=repository%3Alab%2Ffake%3Apull") != std::string::npos;
    }
    if (r.target == "/v2/lab/fake/manifests/1" && r.header("Authorization") == "Bearer tok-123") {
      manifest_with_token = true;
    }
  }
  LAB_EXPECT(token_asked, "GET /token?service=fake&scope=repository:lab/fake:pull", pulled, kTokens);
  LAB_EXPECT(manifest_with_token, "the manifest GET with Authorization: Bearer tok-123", pulled, kTokens);
}

}  // namespace
