// What the registry server stores (server_store.hpp): repositories as
// folders of links over one OCI layout that holds every blob once.
#include "server_store.hpp"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "../image/layout_files.hpp"
#include "pocker/fs.hpp"
#include "pocker/manifest.hpp"
#include "pocker/reference.hpp"
#include "pocker/registry_server.hpp"

namespace pocker::registry_server {
namespace {

using nlohmann::json;

constexpr const char* kBlobs = "_blobs";
constexpr const char* kManifests = "_manifests";
constexpr const char* kTags = "_tags";

// Docker's manifest list, the index's docker twin.
constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";

bool is_index_type(std::string_view type) { return type == kOciIndex || type == kDockerManifestList; }
bool is_manifest_type(std::string_view type) { return type == kOciManifest || type == kDockerManifest; }

std::string digest_text(const json& descriptor) {
  if (!descriptor.is_object() || !descriptor.contains("digest") || !descriptor["digest"].is_string()) return "";
  return descriptor["digest"].get<std::string>();
}

}  // namespace

ApiError api_error(std::string_view code, std::string detail) {
  // The codes, statuses and messages of the distribution spec's error
  // table (and distribution's RANGE_INVALID and PAGINATION_NUMBER_INVALID).
  struct Known {
    std::string_view code;
    int status;
    const char* message;
  };
  static constexpr Known kKnown[] = {
      {"BLOB_UNKNOWN", 404, "blob unknown to registry"},
      {"BLOB_UPLOAD_INVALID", 400, "blob upload invalid"},
      {"BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry"},
      {"DIGEST_INVALID", 400, "provided digest did not match uploaded content"},
      {"MANIFEST_BLOB_UNKNOWN", 400, "manifest references a manifest or blob unknown to registry"},
      {"MANIFEST_INVALID", 400, "manifest invalid"},
      {"MANIFEST_UNKNOWN", 404, "manifest unknown to registry"},
      {"NAME_INVALID", 400, "invalid repository name"},
      {"NAME_UNKNOWN", 404, "repository name not known to registry"},
      {"SIZE_INVALID", 400, "provided length did not match content length"},
      {"UNAUTHORIZED", 401, "authentication required"},
      {"DENIED", 403, "requested access to the resource is denied"},
      {"UNSUPPORTED", 405, "the operation is unsupported"},
      {"TOOMANYREQUESTS", 429, "too many requests"},
      {"RANGE_INVALID", 416, "invalid content range"},
      {"PAGINATION_NUMBER_INVALID", 400, "invalid number of results requested"},
  };
  for (const Known& k : kKnown) {
    if (k.code == code) return ApiError{k.status, std::string(code), k.message, std::move(detail)};
  }
  return ApiError{500, "", "internal server error", std::move(detail)};
}

Result<std::unique_ptr<Store>> Store::open(const std::string& root) {
  TRY(make_dirs(root, 0700));
  Layout layout = TRY(Layout::open(root + "/oci"));
  TRY(make_dirs(root + "/repositories", 0755));
  // Temporary files are only ever half-made names: any found now were
  // left by a server that was killed. Without O_TMPFILE the layout's blob
  // writer leaves `.pocker-blob-*` at its top in the same way.
  std::string tmp = root + "/tmp";
  TRY(remove_tree(tmp));
  TRY(make_dirs(tmp, 0700));
  for (const auto& name : TRY(list_names(layout.dir()))) {
    if (name.rfind(".pocker-blob-", 0) == 0) ::unlink((layout.dir() + "/" + name).c_str());
  }
  return std::unique_ptr<Store>(new Store(root, std::move(layout)));
}

Store::~Store() {
  drop_uploads();
  (void)remove_tree(root_ + "/tmp");
}

bool Store::has_link(const std::string& repo, const char* kind, const std::string& digest) const {
  std::string hex = digest_hex(digest);
  if (hex.empty()) return false;
  std::string path = repo_dir(repo) + "/" + kind + "/" + hex;
  return ::access(path.c_str(), F_OK) == 0;
}

Result<void> Store::write_link(const std::string& dir, const std::string& name, std::string_view content) const {
  // Made in tmp/ and renamed into place: a reader (or a crash) sees the
  // old link or the new one, never half of one. tmp/ holds nothing else,
  // so a tag can never be mistaken for a temporary file.
  TRY(make_dirs(dir, 0755));
  std::string temp = root_ + "/tmp/link-XXXXXX";
  Fd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return sys_error("create {}", temp);
  std::string path = dir + "/" + name;
  Result<void> done;
  if (!write_all(fd.get(), content.data(), content.size())) done = sys_error("write {}", temp);
  if (done && ::fchmod(fd.get(), 0644) < 0) done = sys_error("chmod {}", temp);
  if (done && ::fsync(fd.get()) < 0) done = sys_error("fsync {}", temp);
  if (done && ::rename(temp.c_str(), path.c_str()) < 0) done = sys_error("rename {} to {}", temp, path);
  if (!done) {
    ::unlink(temp.c_str());
    return done;
  }
  return sync_dir(dir);
}

ApiResult<OpenBlob> Store::open_blob(const std::string& repo, const std::string& digest) const {
  if (!has_link(repo, kBlobs, digest)) return api_error("BLOB_UNKNOWN", digest);
  auto fd = layout_.open_blob(digest);
  if (!fd) return api_error("BLOB_UNKNOWN", digest);
  struct stat st;
  if (::fstat(fd.value().get(), &st) < 0) return api_error("", "stat blob " + digest);
  return OpenBlob{std::move(fd).value(), static_cast<long long>(st.st_size)};
}

std::optional<ApiError> Store::delete_blob(const std::string& repo, const std::string& digest) {
  // Only the link goes: other repositories may hold the same bytes.
  std::string path = repo_dir(repo) + "/" + kBlobs + "/" + digest_hex(digest);
  if (::unlink(path.c_str()) < 0) {
    if (errno == ENOENT) return api_error("BLOB_UNKNOWN", digest);
    return api_error("", sys_error("unlink {}", path).message());
  }
  return std::nullopt;
}

Result<bool> Store::mount_blob(const std::string& repo, const std::string& from, const std::string& digest) {
  if (!has_link(from, kBlobs, digest) || !layout_.has_blob(digest)) return false;
  TRY(write_link(repo_dir(repo) + "/" + kBlobs, digest_hex(digest), ""));
  return true;
}

std::optional<ApiError> Store::check_references(const std::string& repo, const std::string& media_type,
                                                const std::string& bytes) const {
  json j = json::parse(bytes, nullptr, false);
  if (!j.is_object()) return api_error("MANIFEST_INVALID", "not a JSON object");
  if (!j.contains("schemaVersion") || j["schemaVersion"] != 2) {
    return api_error("MANIFEST_INVALID", "schemaVersion is not 2");
  }
  if (j.contains("mediaType") && j["mediaType"] != media_type) {
    return api_error("MANIFEST_INVALID", "mediaType differs from the Content-Type " + media_type);
  }
  if (is_manifest_type(media_type)) {
    if (!j.contains("config") || !j.contains("layers") || !j["layers"].is_array()) {
      return api_error("MANIFEST_INVALID", "a manifest needs config and layers");
    }
    std::vector<const json*> blobs = {&j["config"]};
    for (const json& layer : j["layers"]) blobs.push_back(&layer);
    for (const json* d : blobs) {
      // A foreign layer (with urls) is fetched from elsewhere, not from us.
      if (d->is_object() && d->contains("urls")) continue;
      std::string digest = digest_text(*d);
      if (!is_valid_digest(digest)) return api_error("MANIFEST_INVALID", "bad digest " + digest);
      if (!has_link(repo, kBlobs, digest)) return api_error("MANIFEST_BLOB_UNKNOWN", digest);
    }
  } else {
    if (!j.contains("manifests") || !j["manifests"].is_array()) {
      return api_error("MANIFEST_INVALID", "an index needs manifests");
    }
    for (const json& d : j["manifests"]) {
      std::string digest = digest_text(d);
      if (!is_valid_digest(digest)) return api_error("MANIFEST_INVALID", "bad digest " + digest);
      if (!has_link(repo, kManifests, digest)) return api_error("MANIFEST_BLOB_UNKNOWN", digest);
    }
  }
  return std::nullopt;
}

ApiResult<std::string> Store::put_manifest(const std::string& repo, const std::string& reference,
                                           const std::string& content_type, std::string bytes) {
  if (bytes.size() > kMaxDocumentSize) {
    ApiError e = api_error("MANIFEST_INVALID", "over 4 MiB");
    e.status = 413;
    return e;
  }
  // The Content-Type names the type; a client that sent none may still
  // say it in the document's own mediaType.
  std::string type = content_type;
  if (!is_manifest_type(type) && !is_index_type(type)) {
    json j = json::parse(bytes, nullptr, false);
    if (j.is_object() && j.contains("mediaType") && j["mediaType"].is_string()) type = j["mediaType"];
  }
  if (!is_manifest_type(type) && !is_index_type(type)) {
    return api_error("MANIFEST_INVALID", "unsupported manifest type " + content_type);
  }
  if (auto refused = check_references(repo, type, bytes)) return *refused;
  auto digest = sha256_digest(bytes);
  if (!digest) return api_error("", digest.error().message());
  bool by_digest = reference.find(':') != std::string::npos;
  if (by_digest && reference != digest.value()) {
    return api_error("DIGEST_INVALID", "the manifest's digest is " + digest.value());
  }
  if (!by_digest && !is_valid_tag(reference)) return api_error("MANIFEST_INVALID", "bad tag " + reference);
  // The bytes first, then the link, then the tag: a crash between two
  // steps leaves an unnamed blob, never a name without its content.
  auto stored = layout_.put_blob(bytes, type);
  if (!stored) return api_error("", stored.error().message());
  std::string hex = digest_hex(digest.value());
  if (auto linked = write_link(repo_dir(repo) + "/" + kManifests, hex, type); !linked) {
    return api_error("", linked.error().message());
  }
  if (!by_digest) {
    if (auto tagged = write_link(repo_dir(repo) + "/" + kTags, reference, digest.value()); !tagged) {
      return api_error("", tagged.error().message());
    }
  }
  return digest.value();
}

ApiResult<StoredManifest> Store::get_manifest(const std::string& repo, const std::string& reference) const {
  std::string digest = reference;
  if (reference.find(':') == std::string::npos) {
    if (!is_valid_tag(reference)) return api_error("MANIFEST_UNKNOWN", reference);
    auto text = read_small_file(repo_dir(repo) + "/" + kTags + "/" + reference, 128);
    if (!text) return api_error("MANIFEST_UNKNOWN", reference);
    digest = text.value();
  }
  if (!is_valid_digest(digest)) return api_error("MANIFEST_UNKNOWN", reference);
  auto type = read_small_file(repo_dir(repo) + "/" + kManifests + "/" + digest_hex(digest), 256);
  if (!type) return api_error("MANIFEST_UNKNOWN", reference);
  auto fd = layout_.open_blob(digest);
  if (!fd) return api_error("MANIFEST_UNKNOWN", reference);
  struct stat st;
  if (::fstat(fd.value().get(), &st) < 0) return api_error("", "stat " + digest);
  auto bytes = layout_.read_blob(Descriptor{type.value(), digest, static_cast<long long>(st.st_size)});
  if (!bytes) return api_error("", bytes.error().message());
  return StoredManifest{digest, type.value(), std::move(bytes).value()};
}

std::optional<ApiError> Store::delete_manifest(const std::string& repo, const std::string& reference) {
  std::string tags_dir = repo_dir(repo) + "/" + kTags;
  if (reference.find(':') == std::string::npos) {
    std::string path = tags_dir + "/" + reference;
    if (!is_valid_tag(reference) || ::unlink(path.c_str()) < 0) return api_error("MANIFEST_UNKNOWN", reference);
    return std::nullopt;
  }
  std::string path = repo_dir(repo) + "/" + kManifests + "/" + digest_hex(reference);
  if (!is_valid_digest(reference) || ::unlink(path.c_str()) < 0) return api_error("MANIFEST_UNKNOWN", reference);
  // The tags that named it would now name nothing.
  if (auto names = list_names(tags_dir)) {
    for (const auto& tag : names.value()) {
      auto target = read_small_file(tags_dir + "/" + tag, 128);
      if (target && target.value() == reference) ::unlink((tags_dir + "/" + tag).c_str());
    }
  }
  return std::nullopt;
}

ApiResult<std::vector<std::string>> Store::tags(const std::string& repo) const {
  if (::access(repo_dir(repo).c_str(), F_OK) < 0) return api_error("NAME_UNKNOWN", repo);
  auto names = list_names(repo_dir(repo) + "/" + kTags);
  std::vector<std::string> tags = names ? std::move(names).value() : std::vector<std::string>{};
  std::sort(tags.begin(), tags.end());
  return tags;
}

}  // namespace pocker::registry_server
