// The OCI distribution API: one handler per route, the spec's status codes
// and error bodies. Requests arrive as plain structs (server_api.hpp).
//
//   GET    /v2/                                  is this a registry (and am I let in)
//   HEAD   /v2/<name>/blobs/<digest>             does it have the blob
//   GET    /v2/<name>/blobs/<digest>             the blob (Range: a part of it)
//   DELETE /v2/<name>/blobs/<digest>
//   POST   /v2/<name>/blobs/uploads/             start an upload (?digest=: all at once,
//                                                ?mount=&from=: link from another repository)
//   GET    /v2/<name>/blobs/uploads/<id>         how far the upload got
//   PATCH  /v2/<name>/blobs/uploads/<id>         a chunk (Content-Range: where it goes)
//   PUT    /v2/<name>/blobs/uploads/<id>?digest= the end: the digest checked, the blob named
//   DELETE /v2/<name>/blobs/uploads/<id>
//   PUT    /v2/<name>/manifests/<tag|digest>
//   GET    /v2/<name>/manifests/<tag|digest>     (and HEAD, DELETE)
//   GET    /v2/<name>/tags/list?n=&last=
#include <charconv>
#include <nlohmann/json.hpp>

#include "pocker/layout.hpp"
#include "pocker/reference.hpp"
#include "pocker/registry_server.hpp"
#include "server_api.hpp"
#include "server_auth.hpp"

namespace pocker::registry_server {
namespace {

using nlohmann::json;

constexpr size_t kReadBuffer = 64 * 1024;

Response error_response(const ApiError& e) {
  Response r;
  r.status = e.status;
  json err = {{"code", e.code.empty() ? "UNKNOWN" : e.code}, {"message", e.message}};
  err["detail"] = e.detail;
  r.body = json{{"errors", json::array({err})}}.dump();
  r.set("Content-Type", "application/json");
  return r;
}

Response empty_response(int status) {
  Response r;
  r.status = status;
  return r;
}

// The body of a request read whole, or nullopt when it is over `max`.
Result<std::optional<std::string>> read_small_body(const Request& req, size_t max) {
  std::string text;
  char buf[kReadBuffer];
  while (true) {
    size_t n = TRY(req.body(buf, sizeof buf));
    if (n == 0) return std::optional<std::string>(std::move(text));
    text.append(buf, n);
    if (text.size() > max) return std::optional<std::string>();
  }
}

// "0-1023" (what clients send), also "bytes 0-1023/*".
std::optional<ChunkRange> parse_content_range(std::string_view text) {
  if (text.rfind("bytes ", 0) == 0) text.remove_prefix(6);
  if (size_t slash = text.find('/'); slash != std::string_view::npos) text = text.substr(0, slash);
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  ChunkRange r;
  auto a = std::from_chars(text.data(), text.data() + dash, r.first);
  auto b = std::from_chars(text.data() + dash + 1, text.data() + text.size(), r.last);
  if (a.ec != std::errc() || a.ptr != text.data() + dash || b.ec != std::errc() ||
      b.ptr != text.data() + text.size() || r.first < 0 || r.last < r.first) {
    return std::nullopt;
  }
  return r;
}

// The Range header of an upload's status: the bytes it holds, inclusive
// ("0-0" for none, as distribution answers).
std::string upload_range(long long size) { return "0-" + std::to_string(size > 0 ? size - 1 : 0); }

Response upload_accepted(int status, const std::string& name, const std::string& id, long long size) {
  Response r = empty_response(status);
  r.set("Location", "/v2/" + name + "/blobs/uploads/" + id);
  r.set("Range", upload_range(size));
  r.set("Docker-Upload-UUID", id);
  return r;
}

Response blob_created(const std::string& name, const std::string& digest) {
  Response r = empty_response(201);
  r.set("Location", "/v2/" + name + "/blobs/" + digest);
  r.set("Docker-Content-Digest", digest);
  return r;
}

Response server_error(const Error& e) { return error_response(ApiError{500, "", "internal server error", e.message()}); }

// GET/HEAD/DELETE /v2/<name>/blobs/<digest>
Response blob(Store& store, const Request& req, const std::string& name, const std::string& digest) {
  if (!is_valid_digest(digest)) return error_response(api_error("DIGEST_INVALID", digest));
  if (req.method == "DELETE") {
    if (auto e = store.delete_blob(name, digest)) return error_response(*e);
    Response r = empty_response(202);
    r.set("Docker-Content-Digest", digest);
    return r;
  }
  if (req.method != "GET" && req.method != "HEAD") return error_response(api_error("UNSUPPORTED", req.method));
  auto opened = store.open_blob(name, digest);
  if (auto* e = std::get_if<ApiError>(&opened)) return error_response(*e);
  OpenBlob& blob = std::get<OpenBlob>(opened);
  Response r;
  r.set("Content-Type", "application/octet-stream");
  r.set("Docker-Content-Digest", digest);
  r.set("Accept-Ranges", "bytes");
  r.set("ETag", "\"" + digest + "\"");
  long long first = 0;
  long long last = blob.size - 1;
  // One range, `bytes=A-B` or `bytes=A-` (a client resuming a download).
  if (std::string range = req.header("range"); range.rfind("bytes=", 0) == 0) {
    auto parsed = parse_content_range(range.substr(6) + (range.back() == '-' ? std::to_string(last) : ""));
    if (!parsed || parsed->first >= blob.size) {
      Response refused = error_response(api_error("RANGE_INVALID", range));
      refused.set("Content-Range", "bytes */" + std::to_string(blob.size));
      return refused;
    }
    first = parsed->first;
    last = std::min(parsed->last, blob.size - 1);
    r.status = 206;
    r.set("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                               std::to_string(blob.size));
  }
  r.file = std::move(blob.fd);
  r.offset = first;
  r.length = last - first + 1;
  r.head = req.method == "HEAD";
  return r;
}

// POST /v2/<name>/blobs/uploads/
Response start_upload(Store& store, const Request& req, const std::string& name) {
  if (req.method != "POST") return error_response(api_error("UNSUPPORTED", req.method));
  auto mount = req.query.find("mount");
  auto from = req.query.find("from");
  if (mount != req.query.end() && from != req.query.end() && is_valid_digest(mount->second) &&
      is_valid_repository_name(from->second)) {
    auto mounted = store.mount_blob(name, from->second, mount->second);
    if (!mounted) return server_error(mounted.error());
    if (mounted.value()) return blob_created(name, mount->second);
    // Not there: the spec says to answer as to a plain POST, and the
    // client uploads the blob instead.
  }
  if (auto digest = req.query.find("digest"); digest != req.query.end()) {
    if (!is_valid_digest(digest->second)) return error_response(api_error("DIGEST_INVALID", digest->second));
    if (auto e = store.put_blob(name, digest->second, req.body)) return error_response(*e);
    return blob_created(name, digest->second);
  }
  auto id = store.start_upload(name);
  if (auto* e = std::get_if<ApiError>(&id)) return error_response(*e);
  return upload_accepted(202, name, std::get<std::string>(id), 0);
}

// GET/PATCH/PUT/DELETE /v2/<name>/blobs/uploads/<id>
Response upload(Store& store, const Request& req, const std::string& name, const std::string& id) {
  if (req.method == "GET") {
    auto size = store.upload_size(name, id);
    if (auto* e = std::get_if<ApiError>(&size)) return error_response(*e);
    return upload_accepted(204, name, id, std::get<long long>(size));
  }
  if (req.method == "DELETE") {
    if (auto e = store.cancel_upload(name, id)) return error_response(*e);
    return empty_response(204);
  }
  if (req.method != "PATCH" && req.method != "PUT") return error_response(api_error("UNSUPPORTED", req.method));
  std::optional<ChunkRange> range;
  if (std::string text = req.header("content-range"); !text.empty()) {
    range = parse_content_range(text);
    if (!range) return error_response(api_error("RANGE_INVALID", text));
    unsigned long long length = static_cast<unsigned long long>(range->last - range->first + 1);
    if (req.content_length && *req.content_length != length) {
      return error_response(api_error("SIZE_INVALID", "Content-Range says " + std::to_string(length) + " bytes"));
    }
  }
  if (req.method == "PATCH") {
    auto size = store.append_chunk(name, id, range, req.body);
    if (auto* e = std::get_if<ApiError>(&size)) return error_response(*e);
    return upload_accepted(202, name, id, std::get<long long>(size));
  }
  auto digest = req.query.find("digest");
  if (digest == req.query.end() || !is_valid_digest(digest->second)) {
    return error_response(api_error("DIGEST_INVALID", digest == req.query.end() ? "no digest" : digest->second));
  }
  const BodyReader nothing = [](char*, size_t) -> Result<size_t> { return size_t{0}; };
  if (range) {
    // The last chunk, with its place: the same order check as a PATCH.
    auto size = store.append_chunk(name, id, range, req.body);
    if (auto* e = std::get_if<ApiError>(&size)) return error_response(*e);
  }
  if (auto e = store.finish_upload(name, id, digest->second, range ? nothing : req.body)) {
    return error_response(*e);
  }
  return blob_created(name, digest->second);
}

// PUT/GET/HEAD/DELETE /v2/<name>/manifests/<reference>
Response manifest(Store& store, const Request& req, const std::string& name, const std::string& reference) {
  if (reference.find(':') != std::string::npos ? !is_valid_digest(reference) : !is_valid_tag(reference)) {
    return error_response(api_error(req.method == "PUT" ? "MANIFEST_INVALID" : "MANIFEST_UNKNOWN", reference));
  }
  if (req.method == "PUT") {
    ApiError too_big = api_error("MANIFEST_INVALID", "a manifest is at most 4 MiB");
    too_big.status = 413;
    if (req.content_length && *req.content_length > kMaxDocumentSize) return error_response(too_big);
    auto bytes = read_small_body(req, kMaxDocumentSize);
    if (!bytes) return error_response(api_error("MANIFEST_INVALID", bytes.error().message()));
    if (!bytes.value()) return error_response(too_big);
    auto digest = store.put_manifest(name, reference, req.header("content-type"), std::move(*bytes.value()));
    if (auto* e = std::get_if<ApiError>(&digest)) return error_response(*e);
    Response r = empty_response(201);
    r.set("Location", "/v2/" + name + "/manifests/" + std::get<std::string>(digest));
    r.set("Docker-Content-Digest", std::get<std::string>(digest));
    return r;
  }
  if (req.method == "DELETE") {
    if (auto e = store.delete_manifest(name, reference)) return error_response(*e);
    return empty_response(202);
  }
  if (req.method != "GET" && req.method != "HEAD") return error_response(api_error("UNSUPPORTED", req.method));
  // Served as stored, whatever the Accept lines ask: the bytes are what
  // the digest names, so no other form of them could be handed out.
  auto found = store.get_manifest(name, reference);
  if (auto* e = std::get_if<ApiError>(&found)) return error_response(*e);
  StoredManifest& m = std::get<StoredManifest>(found);
  Response r;
  r.set("Content-Type", m.media_type);
  r.set("Docker-Content-Digest", m.digest);
  r.set("ETag", "\"" + m.digest + "\"");
  r.body = std::move(m.bytes);
  r.head = req.method == "HEAD";
  return r;
}

// GET /v2/<name>/tags/list?n=&last=
Response tag_list(Store& store, const Request& req, const std::string& name) {
  if (req.method != "GET" && req.method != "HEAD") return error_response(api_error("UNSUPPORTED", req.method));
  long long n = -1;
  if (auto it = req.query.find("n"); it != req.query.end()) {
    const std::string& text = it->second;
    auto parsed = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || n < 0) {
      return error_response(api_error("PAGINATION_NUMBER_INVALID", text));
    }
  }
  std::string last = req.query.count("last") ? req.query.at("last") : "";
  auto all = store.tags(name);
  if (auto* e = std::get_if<ApiError>(&all)) return error_response(*e);
  TagPage page = page_tags(std::get<std::vector<std::string>>(all), n, last);
  Response r;
  r.set("Content-Type", "application/json");
  if (page.more && !page.tags.empty()) {
    r.set("Link", "</v2/" + name + "/tags/list?n=" + std::to_string(n) + "&last=" + page.tags.back() +
                      ">; rel=\"next\"");
  }
  r.body = json{{"name", name}, {"tags", page.tags}}.dump();
  r.head = req.method == "HEAD";
  return r;
}

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

// Splits `rest` (the path after /v2/) into the repository name and what
// follows it; the name is checked by the caller before any use.
struct Route {
  enum Kind { kNone, kBlob, kUploads, kUpload, kManifest, kTags } kind = kNone;
  std::string name;
  std::string arg;  // the digest, upload id or reference
};

Route route(std::string_view rest) {
  auto last_part = [](std::string_view s, std::string_view marker, Route::Kind kind) -> Route {
    size_t at = s.rfind(marker);
    if (at == std::string_view::npos) return {};
    std::string_view arg = s.substr(at + marker.size());
    if (arg.empty() || arg.find('/') != std::string_view::npos) return {};
    return Route{kind, std::string(s.substr(0, at)), std::string(arg)};
  };
  if (ends_with(rest, "/tags/list")) return Route{Route::kTags, std::string(rest.substr(0, rest.size() - 10)), ""};
  if (ends_with(rest, "/blobs/uploads/") || ends_with(rest, "/blobs/uploads")) {
    size_t cut = rest.rfind("/blobs/uploads");
    return Route{Route::kUploads, std::string(rest.substr(0, cut)), ""};
  }
  if (Route r = last_part(rest, "/blobs/uploads/", Route::kUpload); r.kind != Route::kNone) return r;
  if (Route r = last_part(rest, "/blobs/", Route::kBlob); r.kind != Route::kNone) return r;
  return last_part(rest, "/manifests/", Route::kManifest);
}

}  // namespace

Response handle(Store& store, Htpasswd* users, const Request& req) {
  std::string user;
  if (users) {
    user = users->check(req.header("authorization"));
    if (user.empty()) {
      Response r = error_response(api_error("UNAUTHORIZED"));
      r.set("WWW-Authenticate", "Basic realm=\"pocker-registry\"");
      return r;
    }
  }
  Response r = [&] {
    if (req.path == "/v2/" || req.path == "/v2") {
      Response base;
      base.set("Content-Type", "application/json");
      base.body = "{}";
      base.head = req.method == "HEAD";
      return base;
    }
    if (req.path.rfind("/v2/", 0) != 0) return error_response(ApiError{404, "NOT_FOUND", "no such endpoint", req.path});
    Route to = route(std::string_view(req.path).substr(4));
    if (to.kind == Route::kNone) return error_response(ApiError{404, "NOT_FOUND", "no such endpoint", req.path});
    // The name becomes a path under repositories/: nothing else is done
    // with it before this check.
    if (!is_valid_repository_name(to.name)) return error_response(api_error("NAME_INVALID", to.name));
    switch (to.kind) {
      case Route::kBlob: return blob(store, req, to.name, to.arg);
      case Route::kUploads: return start_upload(store, req, to.name);
      case Route::kUpload: return upload(store, req, to.name, to.arg);
      case Route::kManifest: return manifest(store, req, to.name, to.arg);
      case Route::kTags: return tag_list(store, req, to.name);
      case Route::kNone: break;
    }
    return error_response(ApiError{404, "NOT_FOUND", "no such endpoint", req.path});
  }();
  r.user = user;
  return r;
}

}  // namespace pocker::registry_server
