// `pocker registry serve` with a real client (skopeo: copy both ways, inspect, list-tags, delete,
// a cross-repository mount), with basic auth from an htpasswd file, and stopped by SIGTERM in the
// middle of an upload.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "registry/server_hints.hpp"
#include "registry/server.hpp"

namespace {

using lab::registry_server::kAuth;
using lab::registry_server::kPush;
using lab::registry_server::kServe;
using lab::registry_server::kSkopeo;
using lab::registry_server::kStop;
using lab::registry_server::Reply;
using RegistryServerAuth = lab::registry_server::RegistryServerTest;
using RegistryServerStop = lab::registry_server::RegistryServerTest;

// The user `lab`, password `s3cret`, as `htpasswd -B` writes it (bcrypt, cost 5).
constexpr const char* kHtpasswdLine = "lab:$2y$05$CGJpbGmvnazggMH9oa5NJ.QdFRFbd76pTXnzwhfJeeyaN56yqzwPi\n";

class RegistryServerSkopeo : public lab::registry_server::RegistryServerTest {
 protected:
  // A one-layer image in pocker's own store (an OCI layout skopeo reads), named lab/app:1.
  // Returns the `oci:` source skopeo copies from; "" (test skipped) without skopeo.
  std::string make_image(const std::string& marker) {
    std::error_code ec;
    if (!std::filesystem::exists(kSkopeo, ec)) return "";
    const std::string tree = dir_.path() + "/tree";
    std::filesystem::create_directories(tree, ec);
    lab::registry_server::write_file(tree + "/hello.txt", marker + "\n");
    const std::string tar = dir_.path() + "/rootfs.tar";
    EXPECT_EQ(lab::run({"/bin/tar", "-C", tree, "-cf", tar, "."}).status, 0);
    lab::Outcome imported = pocker.run({"import", tar, "lab/app:1"});
    EXPECT_EQ(imported.status, 0) << lab::describe(imported);
    return "oci:" + pocker.root() + "/images/oci:docker.io/lab/app:1";
  }

  lab::Outcome skopeo(std::vector<std::string> args) {
    args.insert(args.begin(), kSkopeo);
    return lab::run(args);
  }

  // The manifest digest skopeo sees at `image`.
  std::string digest_at(const std::string& image, const std::string& tls_flag) {
    lab::Outcome raw = skopeo({"inspect", tls_flag, "--raw", image});
    return raw.status == 0 ? digest_of(raw.out) : "(inspect failed: " + raw.err + ")";
  }
};

// Catches: a server that a real client cannot push to or pull from, or that changes what it serves.
TEST_F(RegistryServerSkopeo, CopyPushPullInspectListDelete) {
  const std::string source = make_image("pushed by skopeo");
  if (source.empty()) GTEST_SKIP() << "needs skopeo";
  start_server();
  const std::string target = "docker://" + addr() + "/lab/app:1";
  // --preserve-digests: the same bytes as in the source layout, or skopeo would compress the layer.
  const std::string digest_file = dir_.path() + "/pushed-digest";
  lab::Outcome push =
      skopeo({"copy", "--dest-tls-verify=false", "--preserve-digests", "--digestfile", digest_file, source, target});
  LAB_ASSERT_STATUS(push, 0, kPush);
  const std::string pushed = digest_at(source, "--tls-verify=false");
  LAB_EXPECT(lab::read_file(digest_file) == pushed, "skopeo to report the source's digest as pushed", push, kPush);
  LAB_EXPECT(digest_at(target, "--tls-verify=false") == pushed, "the same manifest digest in the registry", push,
             kPush);
  lab::Outcome inspect = skopeo({"inspect", "--tls-verify=false", target});
  LAB_EXPECT_OUT_HAS(inspect, "\"Digest\": \"" + pushed + "\"", kServe);
  lab::Outcome tags = skopeo({"list-tags", "--tls-verify=false", "docker://" + addr() + "/lab/app"});
  LAB_EXPECT_OUT_HAS(tags, "\"1\"", kServe);
  const std::string pulled = "oci:" + dir_.path() + "/pulled:app";
  lab::Outcome pull = skopeo({"copy", "--src-tls-verify=false", "--preserve-digests", target, pulled});
  LAB_ASSERT_STATUS(pull, 0, kServe);
  LAB_EXPECT(digest_at(pulled, "--tls-verify=false") == pushed, "the pulled manifest with the pushed digest", pull,
             kServe);
  lab::Outcome del = skopeo({"delete", "--tls-verify=false", target});
  LAB_EXPECT_STATUS(del, 0, kServe);
  lab::Outcome gone = skopeo({"inspect", "--tls-verify=false", target});
  LAB_EXPECT(gone.status != 0, "inspect to fail after delete", gone, kServe);
}

// Catches: no cross-repository mount (every push of a shared base layer would upload it again).
TEST_F(RegistryServerSkopeo, CopyBetweenRepositoriesMountsBlobs) {
  const std::string source = make_image("mounted");
  if (source.empty()) GTEST_SKIP() << "needs skopeo";
  start_server();
  LAB_ASSERT_STATUS(skopeo({"copy", "--dest-tls-verify=false", source, "docker://" + addr() + "/lab/one:1"}), 0,
                    kPush);
  lab::Outcome copy = skopeo({"copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                              "docker://" + addr() + "/lab/one:1", "docker://" + addr() + "/lab/two:1"});
  LAB_ASSERT_STATUS(copy, 0, kPush);
  // The log line of the mount: `... "POST /v2/lab/two/blobs/uploads/?from=lab%2Fone&mount=..." 201 ...`.
  bool mounted = false;
  std::istringstream log(server_log());
  for (std::string line; std::getline(log, line);) {
    if (line.find("\"POST /v2/lab/two/blobs/uploads/?") != std::string::npos && line.find("mount=") != std::string::npos &&
        line.find("from=lab%2Fone") != std::string::npos && line.find("\" 201 ") != std::string::npos) {
      mounted = true;
    }
  }
  LAB_EXPECT(mounted, "a POST ?mount=...&from=lab/one answered 201 in the server's log", copy, kPush);
  Reply tags = http("GET", "/v2/lab/two/tags/list");
  LAB_EXPECT(tags.body == R"({"name":"lab/two","tags":["1"]})", "lab/two:1 there", tags.seen, kPush);
}

// Catches: --htpasswd ignored, a wrong password let in, or a 401 without the challenge clients need.
TEST_F(RegistryServerAuth, WrongAndRightPasswords) {
  const std::string file = dir_.path() + "/htpasswd";
  lab::registry_server::write_file(file, kHtpasswdLine);
  start_server({"--htpasswd", file});
  Reply none = http("GET", "/v2/");
  LAB_EXPECT(none.status == 401 && none.header("www-authenticate").rfind("Basic realm=", 0) == 0,
             "401 with WWW-Authenticate: Basic realm=... without credentials", none.seen, kAuth);
  LAB_EXPECT(none.error_code() == "UNAUTHORIZED", "the UNAUTHORIZED error code", none.seen, kAuth);
  Reply wrong = http("GET", "/v2/", std::nullopt, {"Authorization: Basic bGFiOndyb25n"});  // lab:wrong
  LAB_EXPECT(wrong.status == 401, "401 for a wrong password", wrong.seen, kAuth);
  Reply other = http("GET", "/v2/", std::nullopt, {"Authorization: Basic bm9ib2R5OnMzY3JldA=="});  // nobody:s3cret
  LAB_EXPECT(other.status == 401, "401 for an unknown user", other.seen, kAuth);
  Reply right = http("GET", "/v2/", std::nullopt, {"Authorization: Basic bGFiOnMzY3JldA=="});  // lab:s3cret
  LAB_EXPECT(right.status == 200, "200 for lab:s3cret", right.seen, kAuth);
  Reply blob = http("GET", "/v2/lab/x/tags/list");
  LAB_EXPECT(blob.status == 401, "401 on every endpoint, not only /v2/", blob.seen, kAuth);
}

// Catches: a bad htpasswd file accepted (users locked out, or let in by a hash nobody checks).
TEST_F(RegistryServerAuth, NonBcryptFileRefused) {
  const std::string file = dir_.path() + "/htpasswd";
  lab::registry_server::write_file(file, "lab:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n");
  lab::Outcome serve = pocker.run({"registry", "serve", "--addr", "127.0.0.1:0", "--root", store(), "--htpasswd", file});
  LAB_EXPECT_STATUS(serve, 125, kAuth);
  LAB_EXPECT_POCKER_ERROR(serve, "bcrypt", kAuth);
}

// Catches: skopeo's push with credentials failing against the server's basic auth.
TEST_F(RegistryServerSkopeo, PushWithCredentials) {
  const std::string source = make_image("with a password");
  if (source.empty()) GTEST_SKIP() << "needs skopeo";
  const std::string file = dir_.path() + "/htpasswd";
  lab::registry_server::write_file(file, kHtpasswdLine);
  start_server({"--htpasswd", file});
  const std::string target = "docker://" + addr() + "/lab/app:1";
  lab::Outcome denied = skopeo({"copy", "--dest-tls-verify=false", "--dest-creds", "lab:wrong", source, target});
  LAB_EXPECT(denied.status != 0, "a push with a wrong password refused", denied, kAuth);
  lab::Outcome push = skopeo({"copy", "--dest-tls-verify=false", "--dest-creds", "lab:s3cret", source, target});
  LAB_EXPECT_STATUS(push, 0, kAuth);
}

// Catches: SIGTERM that kills the server mid-write (a half blob named), or that never ends it.
TEST_F(RegistryServerStop, SigtermDuringUploadLeavesNoBlob) {
  start_server();
  const size_t before = blob_count();
  const std::string at = http("POST", "/v2/lab/stop/blobs/uploads/").header("location");
  http("PATCH", at, std::string(100000, 'a'), {"Content-Range: 0-99999"});
  // A second chunk that never ends: 200 kB, then the client stalls.
  lab::Background slow({"/bin/sh", "-c",
                        "(head -c 200000 /dev/zero; sleep 60) | " + std::string(lab::registry_server::kCurl) +
                            " -s -X PATCH -T - " + url(at)});
  ::usleep(700 * 1000);
  std::optional<lab::Outcome> stopped = stop_server();
  ASSERT_TRUE(stopped);
  LAB_EXPECT(stopped->status == 0 && !stopped->timed_out, "pocker registry serve to end with 0 on SIGTERM",
             *stopped, kStop);
  EXPECT_EQ(blob_count(), before) << "a blob was named from a half upload\nhint: " << kStop;
  std::error_code ec;
  size_t temps = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(store(), ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(".pocker-blob-", 0) == 0 || name.rfind("link-", 0) == 0) ++temps;
  }
  EXPECT_EQ(temps, 0u) << "temporary files left in " << store() << "\nhint: " << kStop;
  // The same store again: the upload is gone, and the server works.
  start_server();
  Reply status = http("GET", at);
  LAB_EXPECT(status.status == 404, "the interrupted upload unknown after a restart", status.seen, kStop);
  Reply base = http("GET", "/v2/");
  LAB_EXPECT(base.status == 200, "the restarted server answers", base.seen, kStop);
}

}  // namespace
