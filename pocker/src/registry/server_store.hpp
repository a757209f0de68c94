// Internal to the registry server: what it stores (repositories, their
// blobs, manifests and tags, over one OCI layout), and the uploads in
// progress. No HTTP here: server_routes.cpp turns requests into these
// calls, and these errors into the spec's error codes.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/layout.hpp"

namespace pocker::registry_server {

/// An error of the distribution spec: its code (BLOB_UNKNOWN, ...), the
/// HTTP status it goes with, and a message for the client.
struct ApiError {
  int status = 500;
  std::string code;     ///< e.g. "BLOB_UNKNOWN"; "" for a plain server error
  std::string message;  ///< one line for the client
  std::string detail;   ///< extra text, e.g. the digest or name concerned
};

/// A result that fails with an ApiError.
template <typename T>
using ApiResult = std::variant<T, ApiError>;

/// Reads the next bytes of a request body into `buf`; 0 at its end. An
/// error means the connection is lost.
using BodyReader = std::function<Result<size_t>(char* buf, size_t size)>;

/// A stored manifest, byte for byte.
struct StoredManifest {
  std::string digest;      ///< sha256 of `bytes`
  std::string media_type;  ///< the Content-Type it was pushed with
  std::string bytes;
};

/// A blob opened for reading.
struct OpenBlob {
  Fd fd;
  long long size = 0;
};

/// A Content-Range of a PATCH: the first and last byte, inclusive.
struct ChunkRange {
  long long first = 0;
  long long last = -1;
};

class Store {
 public:
  /// Opens (or makes) the store at `root`; removes temporary files an
  /// earlier server left.
  static Result<std::unique_ptr<Store>> open(const std::string& root);
  ~Store();

  // Blobs (the repository must hold a link to the blob).
  /// The blob `digest` of `repo`, opened; BLOB_UNKNOWN when it has none.
  ApiResult<OpenBlob> open_blob(const std::string& repo, const std::string& digest) const;
  /// Removes the blob from `repo` (the bytes stay for other repositories).
  std::optional<ApiError> delete_blob(const std::string& repo, const std::string& digest);
  /// Cross-repository mount: links the blob of `from` into `repo`. False
  /// (and nothing done) when `from` does not hold it.
  Result<bool> mount_blob(const std::string& repo, const std::string& from, const std::string& digest);

  // Uploads: the state machine of a push.
  /// Starts an upload into `repo`; returns its id.
  ApiResult<std::string> start_upload(const std::string& repo);
  /// Bytes received so far by upload `id` of `repo`.
  ApiResult<long long> upload_size(const std::string& repo, const std::string& id);
  /// Appends a request body to the upload. With a `range`, it must start
  /// where the upload ends (else 416). Returns the new size.
  ApiResult<long long> append_chunk(const std::string& repo, const std::string& id,
                                    std::optional<ChunkRange> range, const BodyReader& body);
  /// Ends the upload: appends `body` (the last chunk, may be empty),
  /// checks the digest, and names the blob. On any failure the upload is
  /// gone and nothing is stored.
  std::optional<ApiError> finish_upload(const std::string& repo, const std::string& id,
                                        const std::string& digest, const BodyReader& body);
  /// Drops an upload; BLOB_UPLOAD_UNKNOWN when there is none.
  std::optional<ApiError> cancel_upload(const std::string& repo, const std::string& id);
  /// A whole blob in one request (POST ?digest=).
  std::optional<ApiError> put_blob(const std::string& repo, const std::string& digest,
                                   const BodyReader& body);

  // Manifests and tags.
  /// Stores a manifest under `reference` (a tag or its digest). Refused
  /// when it is not JSON of a known type, its media type differs from
  /// `content_type`, or it names blobs or manifests `repo` lacks.
  ApiResult<std::string> put_manifest(const std::string& repo, const std::string& reference,
                                      const std::string& content_type, std::string bytes);
  /// The manifest that `reference` (a tag or a digest) names in `repo`.
  ApiResult<StoredManifest> get_manifest(const std::string& repo, const std::string& reference) const;
  /// Deletes a manifest by digest (and every tag naming it), or one tag.
  std::optional<ApiError> delete_manifest(const std::string& repo, const std::string& reference);
  /// The tags of `repo`, sorted; NAME_UNKNOWN for a repository never pushed.
  ApiResult<std::vector<std::string>> tags(const std::string& repo) const;

  /// Drops every upload in progress (their files vanish with them).
  void drop_uploads();

 private:
  struct Upload;
  Store(std::string root, Layout layout) : root_(std::move(root)), layout_(std::move(layout)) {}
  std::string repo_dir(const std::string& repo) const { return root_ + "/repositories/" + repo; }
  bool has_link(const std::string& repo, const char* kind, const std::string& digest) const;
  Result<void> write_link(const std::string& dir, const std::string& name, std::string_view content) const;
  std::shared_ptr<Upload> find_upload(const std::string& repo, const std::string& id);
  std::optional<ApiError> check_references(const std::string& repo, const std::string& media_type,
                                           const std::string& bytes) const;

  std::string root_;
  Layout layout_;
  mutable std::mutex mutex_;  // guards uploads_
  std::map<std::string, std::shared_ptr<Upload>> uploads_;
};

/// The spec's error for a code, with the status it goes with.
ApiError api_error(std::string_view code, std::string detail = {});

}  // namespace pocker::registry_server
