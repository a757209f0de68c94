// Uploads in progress: the state machine of a push (server_store.hpp).
//
//   POST uploads/        -> a new upload, 0 bytes        (202, Location)
//   PATCH <location>     -> bytes appended, in order     (202, Range: 0-<last>)
//   GET <location>       -> how many bytes arrived       (204, Range), to resume
//   PUT <location>?digest -> last bytes, digest checked, the blob named (201)
//   DELETE <location>    -> dropped                      (204)
//
// An upload is a BlobWriter held in memory: its bytes go to an unnamed file
// (O_TMPFILE) and through sha256 as they arrive, so nothing is read twice
// and a server stopped or killed mid-upload leaves no file at all.
#include <sys/random.h>

#include <vector>

#include "server_store.hpp"
#include "pocker/spec.hpp"
#include "pocker/reference.hpp"

namespace pocker::registry_server {
namespace {

constexpr size_t kMaxUploads = 128;                    // open at once, each an open file
constexpr auto kUploadIdle = std::chrono::minutes(10);  // after which a full table drops one
constexpr size_t kCopyBuffer = 1 << 20;

std::string random_id() { return random_hex(16); }

}  // namespace

struct Store::Upload {
  std::string repo;
  std::mutex busy;  // held by the one request writing to it
  std::optional<BlobWriter> writer;
  std::chrono::steady_clock::time_point last_used = std::chrono::steady_clock::now();
  bool gone = false;  // finished, cancelled or broken while a request waited
};

namespace {

// Copies the whole body into `writer`. A short read means the client went
// away: the bytes that did arrive stay, and the upload's status says how
// many, so the client can resume from there.
std::optional<ApiError> copy_body(BlobWriter& writer, const BodyReader& body) {
  std::vector<char> buf(kCopyBuffer);
  while (true) {
    auto n = body(buf.data(), buf.size());
    if (!n) return api_error("BLOB_UPLOAD_INVALID", n.error().message());
    if (n.value() == 0) return std::nullopt;
    if (auto written = writer.write(buf.data(), n.value()); !written) {
      return api_error("", written.error().message());
    }
  }
}

}  // namespace

std::shared_ptr<Store::Upload> Store::find_upload(const std::string& repo, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = uploads_.find(id);
  if (it == uploads_.end() || it->second->repo != repo) return nullptr;
  return it->second;
}

ApiResult<std::string> Store::start_upload(const std::string& repo) {
  auto writer = layout_.begin_blob();
  if (!writer) return api_error("", writer.error().message());
  auto upload = std::make_shared<Upload>();
  upload->repo = repo;
  upload->writer.emplace(std::move(writer).value());
  std::string id = random_id();
  std::lock_guard lock(mutex_);
  if (uploads_.size() >= kMaxUploads) {
    // Forget uploads nobody touched for a while (a client that died).
    auto now = std::chrono::steady_clock::now();
    std::erase_if(uploads_, [&](const auto& entry) { return now - entry.second->last_used > kUploadIdle; });
    if (uploads_.size() >= kMaxUploads) return api_error("TOOMANYREQUESTS", "too many uploads in progress");
  }
  uploads_[id] = std::move(upload);
  return id;
}

ApiResult<long long> Store::upload_size(const std::string& repo, const std::string& id) {
  auto upload = find_upload(repo, id);
  if (!upload) return api_error("BLOB_UPLOAD_UNKNOWN", id);
  std::unique_lock busy(upload->busy, std::try_to_lock);
  if (!busy.owns_lock()) return api_error("RANGE_INVALID", "a request is writing to the upload");
  if (upload->gone) return api_error("BLOB_UPLOAD_UNKNOWN", id);
  return upload->writer->size();
}

ApiResult<long long> Store::append_chunk(const std::string& repo, const std::string& id,
                                         std::optional<ChunkRange> range, const BodyReader& body) {
  auto upload = find_upload(repo, id);
  if (!upload) return api_error("BLOB_UPLOAD_UNKNOWN", id);
  // One writer at a time: two chunks of one upload racing each other
  // could only land in the wrong order.
  std::unique_lock busy(upload->busy, std::try_to_lock);
  if (!busy.owns_lock()) return api_error("RANGE_INVALID", "a request is writing to the upload");
  if (upload->gone) return api_error("BLOB_UPLOAD_UNKNOWN", id);
  BlobWriter& writer = *upload->writer;
  // handout(registry.upload) begin: a chunk must start where the upload ends (416 otherwise), then append it
  // The bytes are hashed as they arrive, so they can only be taken in
  // order: a chunk that does not start exactly at the end is refused
  // before a byte of it is read.
  if (range && range->first != writer.size()) {
    return api_error("RANGE_INVALID", "chunk starts at " + std::to_string(range->first) + ", the upload has " +
                                          std::to_string(writer.size()) + " bytes");
  }
  if (auto failed = copy_body(writer, body)) {
    if (failed->status == 500) {
      // A write that failed (a full disk) leaves the file and the digest
      // out of step: the upload cannot go on.
      upload->gone = true;
      std::lock_guard lock(mutex_);
      uploads_.erase(id);
    }
    return *failed;
  }
  // handout(registry.upload) stub:
  // (void)range;
  // (void)body;
  // handout(registry.upload) end
  upload->last_used = std::chrono::steady_clock::now();
  return writer.size();
}

std::optional<ApiError> Store::finish_upload(const std::string& repo, const std::string& id,
                                             const std::string& digest, const BodyReader& body) {
  auto upload = find_upload(repo, id);
  if (!upload) return api_error("BLOB_UPLOAD_UNKNOWN", id);
  std::unique_lock busy(upload->busy, std::try_to_lock);
  if (!busy.owns_lock()) return api_error("RANGE_INVALID", "a request is writing to the upload");
  if (upload->gone) return api_error("BLOB_UPLOAD_UNKNOWN", id);
  // Whatever happens now, the upload is over: a wrong digest means the
  // client must start again, and the file goes with the writer.
  upload->gone = true;
  {
    std::lock_guard lock(mutex_);
    uploads_.erase(id);
  }
  std::optional<BlobWriter> writer = std::move(upload->writer);
  upload->writer.reset();
  if (auto failed = copy_body(*writer, body)) return failed;
  auto committed = writer->commit(digest);
  if (!committed) {
    // commit() fails without errno only when the bytes are not what the
    // digest says; with errno, the disk failed.
    if (committed.error().err() == 0) return api_error("DIGEST_INVALID", committed.error().message());
    return api_error("", committed.error().message());
  }
  if (auto linked = write_link(repo_dir(repo) + "/_blobs", digest_hex(digest), ""); !linked) {
    return api_error("", linked.error().message());
  }
  return std::nullopt;
}

std::optional<ApiError> Store::cancel_upload(const std::string& repo, const std::string& id) {
  auto upload = find_upload(repo, id);
  if (!upload) return api_error("BLOB_UPLOAD_UNKNOWN", id);
  std::lock_guard lock(mutex_);
  uploads_.erase(id);
  // A request still writing holds its own reference; the file goes when it ends.
  return std::nullopt;
}

std::optional<ApiError> Store::put_blob(const std::string& repo, const std::string& digest, const BodyReader& body) {
  auto writer = layout_.begin_blob();
  if (!writer) return api_error("", writer.error().message());
  if (auto failed = copy_body(writer.value(), body)) return failed;
  auto committed = writer.value().commit(digest);
  if (!committed) {
    if (committed.error().err() == 0) return api_error("DIGEST_INVALID", committed.error().message());
    return api_error("", committed.error().message());
  }
  if (auto linked = write_link(repo_dir(repo) + "/_blobs", digest_hex(digest), ""); !linked) {
    return api_error("", linked.error().message());
  }
  return std::nullopt;
}

void Store::drop_uploads() {
  std::lock_guard lock(mutex_);
  uploads_.clear();
}

}  // namespace pocker::registry_server
