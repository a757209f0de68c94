// `pocker registry serve` against the OCI distribution spec, request by request: uploads (whole,
// in chunks, streamed), chunk order, digests, manifests byte for byte, tags page by page, deletes,
// the spec's errors, and names that must never become paths.
#include <filesystem>
#include <string>

#include "registry/server_hints.hpp"
#include "registry/server.hpp"

namespace {

using lab::registry_server::kChunks;
using lab::registry_server::kDigest;
using lab::registry_server::kManifest;
using lab::registry_server::kNames;
using lab::registry_server::kPush;
using lab::registry_server::kServe;
using lab::registry_server::kTags;
using lab::registry_server::Reply;
using RegistryServerApi = lab::registry_server::RegistryServerTest;
using RegistryServerUpload = lab::registry_server::RegistryServerTest;
using RegistryServerManifest = lab::registry_server::RegistryServerTest;
using RegistryServerTags = lab::registry_server::RegistryServerTest;
using RegistryServerNames = lab::registry_server::RegistryServerTest;

// Catches: no /v2/ (clients check it first), or a missing API version header.
TEST_F(RegistryServerApi, BaseEndpointAnswers) {
  start_server();
  Reply r = http("GET", "/v2/");
  LAB_EXPECT(r.status == 200, "200 for GET /v2/", r.seen, kServe);
  LAB_EXPECT(r.header("docker-distribution-api-version") == "registry/2.0",
             "Docker-Distribution-API-Version: registry/2.0", r.seen, kServe);
}

// Catches: a blob stored without its digest checked, or served with other bytes or headers.
TEST_F(RegistryServerUpload, MonolithicThenHeadAndGet) {
  start_server();
  const std::string data = "hello, registry\n";
  const std::string digest = digest_of(data);
  Reply put = http("POST", "/v2/lab/mono/blobs/uploads/?digest=" + digest, data);
  LAB_ASSERT(put.status == 201, "201 Created for POST ?digest= with the whole blob", put.seen, kPush);
  LAB_EXPECT(put.header("location") == "/v2/lab/mono/blobs/" + digest, "Location: /v2/lab/mono/blobs/<digest>",
             put.seen, kPush);
  LAB_EXPECT(put.header("docker-content-digest") == digest, "Docker-Content-Digest: " + digest, put.seen, kPush);
  Reply head = http("HEAD", "/v2/lab/mono/blobs/" + digest);
  LAB_EXPECT(head.status == 200 && head.header("content-length") == std::to_string(data.size()),
             "200 with Content-Length " + std::to_string(data.size()), head.seen, kPush);
  Reply get = http("GET", "/v2/lab/mono/blobs/" + digest);
  LAB_EXPECT(get.status == 200 && get.body == data, "the blob's bytes", get.seen, kPush);
  Reply part = http("GET", "/v2/lab/mono/blobs/" + digest, std::nullopt, {"Range: bytes=7-14"});
  LAB_EXPECT(part.status == 206 && part.body == "registry", "206 and `registry` for Range: bytes=7-14", part.seen,
             kPush);
}

// Catches: uploads that forget their bytes between requests, or a status without Range.
TEST_F(RegistryServerUpload, ChunksInOrderThenStatusThenPut) {
  start_server();
  Reply start = http("POST", "/v2/lab/chunks/blobs/uploads/");
  LAB_ASSERT(start.status == 202 && !start.header("location").empty(), "202 Accepted with a Location", start.seen,
             kPush);
  const std::string at = start.header("location");
  Reply one = http("PATCH", at, std::string("01234"), {"Content-Range: 0-4"});
  LAB_EXPECT(one.status == 202 && one.header("range") == "0-4", "202 with Range: 0-4", one.seen, kChunks);
  Reply two = http("PATCH", one.header("location"), std::string("56789"), {"Content-Range: 5-9"});
  LAB_EXPECT(two.status == 202 && two.header("range") == "0-9", "202 with Range: 0-9", two.seen, kChunks);
  Reply status = http("GET", two.header("location"));
  LAB_EXPECT(status.status == 204 && status.header("range") == "0-9", "204 with Range: 0-9 (resumable status)",
             status.seen, kChunks);
  const std::string digest = digest_of("0123456789");
  Reply done = http("PUT", two.header("location") + "?digest=" + digest);
  LAB_ASSERT(done.status == 201, "201 Created for PUT ?digest=", done.seen, kPush);
  Reply get = http("GET", "/v2/lab/chunks/blobs/" + digest);
  LAB_EXPECT(get.body == "0123456789", "the two chunks, in order", get.seen, kPush);
}

// Catches: chunks taken in any order (the digest would be of other bytes), or a wrong status.
TEST_F(RegistryServerUpload, ChunkOutOfOrderIs416) {
  start_server();
  const std::string at = http("POST", "/v2/lab/order/blobs/uploads/").header("location");
  Reply one = http("PATCH", at, std::string("01234"), {"Content-Range: 0-4"});
  LAB_ASSERT(one.status == 202, "202 for the first chunk", one.seen, kChunks);
  Reply gap = http("PATCH", at, std::string("789"), {"Content-Range: 7-9"});
  LAB_EXPECT(gap.status == 416, "416 for a chunk that leaves a gap (7-9 after 0-4)", gap.seen, kChunks);
  Reply again = http("PATCH", at, std::string("01234"), {"Content-Range: 0-4"});
  LAB_EXPECT(again.status == 416, "416 for a chunk sent twice (0-4 again)", again.seen, kChunks);
  Reply status = http("GET", at);
  LAB_EXPECT(status.header("range") == "0-4", "the upload still at Range: 0-4", status.seen, kChunks);
  Reply next = http("PATCH", at, std::string("56789"), {"Content-Range: 5-9"});
  LAB_EXPECT(next.status == 202 && next.header("range") == "0-9", "the right next chunk still taken", next.seen,
             kChunks);
  Reply done = http("PUT", at + "?digest=" + digest_of("0123456789"));
  LAB_EXPECT(done.status == 201, "201: the refused chunks left no trace", done.seen, kChunks);
}

// Catches: a PATCH body with Transfer-Encoding: chunked (docker's and podman's) not understood.
TEST_F(RegistryServerUpload, StreamedChunkedBody) {
  start_server();
  std::string data(300000, 'x');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>('a' + i % 26);
  const std::string at = http("POST", "/v2/lab/stream/blobs/uploads/").header("location");
  Reply patch = http("PATCH", at, data, {}, true);
  LAB_EXPECT(patch.status == 202 && patch.header("range") == "0-" + std::to_string(data.size() - 1),
             "202 with Range: 0-299999 after a chunked body", patch.seen, kPush);
  const std::string digest = digest_of(data);
  Reply done = http("PUT", patch.header("location") + "?digest=" + digest);
  LAB_EXPECT(done.status == 201, "201 Created", done.seen, kPush);
  Reply head = http("HEAD", "/v2/lab/stream/blobs/" + digest);
  LAB_EXPECT(head.header("content-length") == "300000", "Content-Length: 300000", head.seen, kPush);
}

// Catches: a blob stored under a digest its bytes do not have. Nothing may be left: no blob, no upload.
TEST_F(RegistryServerUpload, WrongDigestStoresNothing) {
  start_server();
  const size_t before = blob_count();
  const std::string wrong = digest_of("something else");
  const std::string at = http("POST", "/v2/lab/bad/blobs/uploads/").header("location");
  http("PATCH", at, std::string("0123456789"), {"Content-Range: 0-9"});
  Reply done = http("PUT", at + "?digest=" + wrong);
  LAB_EXPECT(done.status == 400 && done.error_code() == "DIGEST_INVALID", "400 DIGEST_INVALID", done.seen, kDigest);
  Reply mono = http("POST", "/v2/lab/bad/blobs/uploads/?digest=" + wrong, std::string("0123456789"));
  LAB_EXPECT(mono.status == 400 && mono.error_code() == "DIGEST_INVALID", "400 DIGEST_INVALID for POST ?digest=",
             mono.seen, kDigest);
  for (const std::string& d : {wrong, digest_of("0123456789")}) {
    Reply head = http("HEAD", "/v2/lab/bad/blobs/" + d);
    LAB_EXPECT(head.status == 404, "404: no blob " + d, head.seen, kDigest);
  }
  Reply status = http("GET", at);
  LAB_EXPECT(status.status == 404 && status.error_code() == "BLOB_UPLOAD_UNKNOWN",
             "the failed upload gone (404 BLOB_UPLOAD_UNKNOWN)", status.seen, kDigest);
  EXPECT_EQ(blob_count(), before) << "a blob file was left in " << store() << "/oci/blobs/sha256\nhint: " << kDigest;
}

// Catches: DELETE of an upload that keeps it alive.
TEST_F(RegistryServerUpload, CancelledUploadIsGone) {
  start_server();
  const std::string at = http("POST", "/v2/lab/cancel/blobs/uploads/").header("location");
  http("PATCH", at, std::string("abc"), {"Content-Range: 0-2"});
  Reply cancel = http("DELETE", at);
  LAB_EXPECT(cancel.status == 204, "204 for DELETE of an upload", cancel.seen, kPush);
  Reply status = http("GET", at);
  LAB_EXPECT(status.status == 404 && status.error_code() == "BLOB_UPLOAD_UNKNOWN", "404 BLOB_UPLOAD_UNKNOWN after",
             status.seen, kPush);
}

// Catches: a manifest re-serialised (its digest would change), or served with another type.
TEST_F(RegistryServerManifest, StoredByteForByte) {
  start_server();
  const std::string manifest = make_manifest("lab/m", "exact");
  const std::string digest = digest_of(manifest);
  Reply put = put_manifest("lab/m", "v1", manifest);
  LAB_ASSERT(put.status == 201, "201 Created for PUT of a manifest", put.seen, kManifest);
  LAB_EXPECT(put.header("docker-content-digest") == digest, "Docker-Content-Digest: sha256 of the bytes sent",
             put.seen, kManifest);
  for (const std::string& ref : {std::string("v1"), digest}) {
    Reply get = http("GET", "/v2/lab/m/manifests/" + ref, std::nullopt,
                     {"Accept: application/vnd.oci.image.manifest.v1+json",
                      "Accept: application/vnd.docker.distribution.manifest.v2+json"});
    LAB_EXPECT(get.status == 200 && get.body == manifest, "the same bytes by " + ref, get.seen, kManifest);
    LAB_EXPECT(get.header("content-type") == "application/vnd.oci.image.manifest.v1+json",
               "the Content-Type it was pushed with", get.seen, kManifest);
    LAB_EXPECT(get.header("docker-content-digest") == digest, "Docker-Content-Digest", get.seen, kManifest);
  }
  Reply head = http("HEAD", "/v2/lab/m/manifests/v1");
  LAB_EXPECT(head.status == 200 && head.header("content-length") == std::to_string(manifest.size()),
             "HEAD: 200 with the manifest's length", head.seen, kManifest);
}

// Catches: a manifest accepted while the blobs it names are missing (a pull of it would fail).
TEST_F(RegistryServerManifest, MissingBlobRefused) {
  start_server();
  http("POST", "/v2/lab/m/blobs/uploads/?digest=" + digest_of("x"), std::string("x"));
  const std::string manifest = make_manifest("lab/m", "unpushed", false);
  Reply put = put_manifest("lab/m", "v1", manifest);
  LAB_EXPECT(put.status == 400 && put.error_code() == "MANIFEST_BLOB_UNKNOWN", "400 MANIFEST_BLOB_UNKNOWN", put.seen,
             kManifest);
  Reply get = http("GET", "/v2/lab/m/manifests/v1");
  LAB_EXPECT(get.status == 404 && get.error_code() == "MANIFEST_UNKNOWN", "no tag v1 made", get.seen, kManifest);
  Reply by_digest = put_manifest("lab/m", digest_of("other bytes"), make_manifest("lab/m", "pushed"));
  LAB_EXPECT(by_digest.status == 400 && by_digest.error_code() == "DIGEST_INVALID",
             "400 DIGEST_INVALID for a PUT by a digest that is not the manifest's", by_digest.seen, kManifest);
}

// Catches: a manifest of any size read into memory (a 4 MiB cap, as distribution has).
TEST_F(RegistryServerManifest, OverFourMegabytesIs413) {
  start_server();
  std::string big = "{\"schemaVersion\":2,\"pad\":\"" + std::string(5 << 20, 'a') + "\"}";
  Reply put = put_manifest("lab/m", "big", big);
  LAB_EXPECT(put.status == 413, "413 for a 5 MiB manifest", put.seen, kManifest);
}

// Catches: errors without the spec's status and JSON body (clients show the code and message).
TEST_F(RegistryServerManifest, UnknownThingsHaveTheSpecsErrors) {
  start_server();
  const std::string digest = digest_of("never pushed");
  struct Case {
    std::string method, path;
    int status;
    std::string code;
  } cases[] = {
      {"GET", "/v2/lab/none/manifests/latest", 404, "MANIFEST_UNKNOWN"},
      {"GET", "/v2/lab/none/manifests/" + digest, 404, "MANIFEST_UNKNOWN"},
      {"GET", "/v2/lab/none/blobs/" + digest, 404, "BLOB_UNKNOWN"},
      {"GET", "/v2/lab/none/tags/list", 404, "NAME_UNKNOWN"},
      {"GET", "/v2/lab/none/blobs/uploads/0123456789abcdef", 404, "BLOB_UPLOAD_UNKNOWN"},
      {"GET", "/v2/lab/none/blobs/sha256:xyz", 400, "DIGEST_INVALID"},
  };
  for (const Case& c : cases) {
    Reply r = http(c.method, c.path);
    LAB_EXPECT(r.status == c.status && r.error_code() == c.code,
               std::to_string(c.status) + " " + c.code + " for " + c.method + " " + c.path, r.seen, kServe);
    LAB_EXPECT(r.body.find("\"message\"") != std::string::npos && r.body.find("\"detail\"") != std::string::npos,
               "an error body {\"errors\":[{\"code\",\"message\",\"detail\"}]}", r.seen, kServe);
  }
}

// Catches: DELETE that answers but keeps serving (or keeps the tags of a deleted manifest).
TEST_F(RegistryServerManifest, DeleteByDigestThenBlob) {
  start_server();
  const std::string manifest = make_manifest("lab/d", "gone");
  const std::string digest = digest_of(manifest);
  LAB_ASSERT(put_manifest("lab/d", "v1", manifest).status == 201, "the manifest pushed", Reply().seen, kManifest);
  Reply del = http("DELETE", "/v2/lab/d/manifests/" + digest);
  LAB_EXPECT(del.status == 202, "202 Accepted for DELETE of a manifest by digest", del.seen, kManifest);
  for (const std::string& ref : {digest, std::string("v1")}) {
    Reply get = http("GET", "/v2/lab/d/manifests/" + ref);
    LAB_EXPECT(get.status == 404, "404 for " + ref + " after the delete", get.seen, kManifest);
  }
  const std::string layer = digest_of("layer of gone");
  Reply blob = http("DELETE", "/v2/lab/d/blobs/" + layer);
  LAB_EXPECT(blob.status == 202, "202 Accepted for DELETE of a blob", blob.seen, kManifest);
  Reply head = http("HEAD", "/v2/lab/d/blobs/" + layer);
  LAB_EXPECT(head.status == 404, "404 for the deleted blob", head.seen, kManifest);
}

// Catches: tags listed in directory order, or n/last ignored (a registry with 10000 tags).
TEST_F(RegistryServerTags, SortedAndPaged) {
  start_server();
  const std::string manifest = make_manifest("lab/t", "tags");
  for (const char* tag : {"v3", "latest", "v1", "beta", "v2"}) {
    LAB_ASSERT(put_manifest("lab/t", tag, manifest).status == 201, std::string("tag ") + tag + " pushed",
               Reply().seen, kTags);
  }
  Reply all = http("GET", "/v2/lab/t/tags/list");
  LAB_EXPECT(all.status == 200 && all.body == R"({"name":"lab/t","tags":["beta","latest","v1","v2","v3"]})",
             "every tag, sorted", all.seen, kTags);
  Reply first = http("GET", "/v2/lab/t/tags/list?n=2");
  LAB_EXPECT(first.body == R"({"name":"lab/t","tags":["beta","latest"]})", "the first 2", first.seen, kTags);
  LAB_EXPECT(first.header("link") == "</v2/lab/t/tags/list?n=2&last=latest>; rel=\"next\"",
             "Link: </v2/lab/t/tags/list?n=2&last=latest>; rel=\"next\"", first.seen, kTags);
  Reply second = http("GET", "/v2/lab/t/tags/list?n=2&last=latest");
  LAB_EXPECT(second.body == R"({"name":"lab/t","tags":["v1","v2"]})", "the next 2", second.seen, kTags);
  Reply third = http("GET", "/v2/lab/t/tags/list?n=2&last=v2");
  LAB_EXPECT(third.body == R"({"name":"lab/t","tags":["v3"]})" && third.header("link").empty(),
             "the last one, and no Link", third.seen, kTags);
  Reply bad = http("GET", "/v2/lab/t/tags/list?n=many");
  LAB_EXPECT(bad.status == 400, "400 for n=many", bad.seen, kTags);
}

// Catches: a repository name used as a path before it is checked: `..` would climb out of the store.
TEST_F(RegistryServerNames, DotDotAndBadNamesRefused) {
  start_server();
  const std::string outside = dir_.path() + "/escaped";
  const std::string digest = digest_of("x");
  for (const std::string& name : {std::string("lab/../../../escaped"), std::string("lab/..")}) {
    for (const std::string& path : {"/v2/" + name + "/blobs/uploads/?digest=" + digest, "/v2/" + name + "/tags/list"}) {
      Reply r = http(path.find("uploads") != std::string::npos ? "POST" : "GET", path, std::string("x"));
      LAB_EXPECT(r.status == 400 && r.error_code() == "NAME_INVALID", "400 NAME_INVALID for " + path, r.seen, kNames);
    }
  }
  for (const char* name : {"Lab/upper", "lab//double", "-lab", "lab/_hidden"}) {
    Reply r = http("GET", std::string("/v2/") + name + "/tags/list");
    LAB_EXPECT(r.status == 400 && r.error_code() == "NAME_INVALID", std::string("400 NAME_INVALID for ") + name,
               r.seen, kNames);
  }
  std::error_code ec;
  EXPECT_FALSE(std::filesystem::exists(outside, ec)) << outside << " was made\nhint: " << kNames;
  EXPECT_FALSE(std::filesystem::exists(store() + "/escaped", ec)) << "hint: " << kNames;
}

// Catches: a server that answers one connection at a time (a pull fetches layers in parallel).
TEST_F(RegistryServerApi, ManyClientsAtOnce) {
  start_server();
  const std::string digest = push_blob("lab/many", std::string(200000, 'm'));
  // 40 clients at once, each on its own connection, half of them fetching the blob.
  std::string script = "for i in $(seq 40); do if [ $((i % 2)) = 0 ]; then p=/v2/; else p=/v2/lab/many/blobs/" + digest +
                       "; fi; " + lab::registry_server::kCurl + " -s -o /dev/null -w '%{http_code}\\n' http://" + addr() +
                       "$p & done; wait";
  lab::Outcome all = lab::run({"/bin/sh", "-c", script});
  size_t ok = 0;
  for (size_t at = all.out.find("200"); at != std::string::npos; at = all.out.find("200", at + 1)) ++ok;
  LAB_EXPECT(ok == 40, "40 answers 200 from 40 clients at once", all, kServe);
}

// Catches: a bad --addr or a port already taken that leaves a new store behind, or no clear error.
TEST_F(RegistryServerApi, BadAddressLeavesNothing) {
  for (const char* bad : {"127.0.0.1:99999", "no-such-host:5000", "127.0.0.1"}) {
    lab::Outcome serve = pocker.run({"registry", "serve", "--addr", bad, "--root", store()});
    LAB_EXPECT_STATUS(serve, 125, kServe);
    LAB_EXPECT_POCKER_ERROR(serve, bad, kServe);
  }
  start_server();
  const std::string taken = addr();
  const std::string other = dir_.path() + "/other-store";
  lab::Outcome second = pocker.run({"registry", "serve", "--addr", taken, "--root", other});
  LAB_EXPECT_STATUS(second, 125, kServe);
  LAB_EXPECT_POCKER_ERROR(second, "listen on " + taken, kServe);
  std::error_code ec;
  EXPECT_FALSE(std::filesystem::exists(other, ec)) << "a store was made by a server that could not listen\nhint: "
                                                   << kServe;
}

}  // namespace
