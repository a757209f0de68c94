// Manifest and blob GETs (blob_fetch.hpp).
#include "blob_fetch.hpp"

#include <thread>

#include "platform.hpp"
#include "pocker/digest.hpp"
#include "pocker/manifest.hpp"
#include "pocker/reference.hpp"
#include "pocker/trace.hpp"

namespace pocker::registry {
namespace {

// `application/json; charset=utf-8` → `application/json`.
std::string bare_type(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

// The first byte of a `Content-Range: bytes 100-199/200` answer, or -1.
long long range_start(const std::string& content_range) {
  if (content_range.rfind("bytes ", 0) != 0) return -1;
  try {
    return std::stoll(content_range.substr(6));
  } catch (...) {
    return -1;
  }
}

}  // namespace

std::vector<std::string> manifest_accept() {
  // One header per type: docker's registry reads each Accept header as a
  // single media type, and answers schema 1 to a list it cannot read.
  std::vector<std::string> lines;
  for (std::string_view type : {kOciIndex, kOciManifest, kDockerManifestList, kDockerManifest}) {
    lines.push_back("Accept: " + std::string(type));
  }
  return lines;
}

Result<Document> fetch_manifest(Client& client, HttpSession& session, const std::string& repo,
                                const std::string& reference) {
  Request request;
  request.url = client.url("/v2/" + repo + "/manifests/" + reference);
  request.headers = manifest_accept();
  request.max_body = kMaxDocumentSize;
  Response response = TRY(client.send(session, request));
  std::string what = fmt::format("manifest {}:{}", repo, reference);
  if (response.body_too_big) {
    return user_error("{}: more than {} bytes (refused, nothing stored)", what, kMaxDocumentSize);
  }
  if (response.status == 404) return user_error("{}: not found in {}", what, client.registry());
  if (!response.ok()) return user_error("{}: {}", what, failure_text(response));
  Document doc;
  doc.text = std::move(response.body);
  doc.descriptor.media_type = bare_type(response.header("content-type"));
  doc.descriptor.size = static_cast<long long>(doc.text.size());
  doc.descriptor.digest = TRY(sha256_digest(doc.text));
  const std::string& type = doc.descriptor.media_type;
  if (type.rfind("application/vnd.docker.distribution.manifest.v1", 0) == 0) {
    return user_error("{}: docker schema 1 manifests are not supported", what);
  }
  if (type != kOciManifest && type != kDockerManifest && !is_index_type(type)) {
    return user_error("{}: unsupported media type \"{}\"", what, type);
  }
  // The digest is the trust: by digest, the bytes must hash to it; by
  // tag, to the digest the registry says it sent.
  if (is_valid_digest(reference) && doc.descriptor.digest != reference) {
    return user_error("{}: the registry sent bytes with digest {}", what, doc.descriptor.digest);
  }
  std::string announced = response.header("docker-content-digest");
  if (!announced.empty() && announced != doc.descriptor.digest) {
    return user_error("{}: digest mismatch: announced {}, received {}", what, announced,
                      doc.descriptor.digest);
  }
  trace("manifest {}:{} is {} ({})", repo, reference, doc.descriptor.digest, type);
  return doc;
}

Result<std::string> fetch_document_blob(Client& client, HttpSession& session,
                                        const std::string& repo, const Descriptor& d) {
  if (d.size > static_cast<long long>(kMaxDocumentSize)) {
    return user_error("blob {}: {} bytes is more than the {} allowed", d.digest, d.size,
                      kMaxDocumentSize);
  }
  Request request;
  request.url = client.url("/v2/" + repo + "/blobs/" + d.digest);
  request.follow_redirects = true;
  request.max_body = static_cast<size_t>(d.size);
  Response response = TRY(client.send(session, request));
  if (response.body_too_big) return user_error("blob {}: longer than {} bytes", d.digest, d.size);
  if (!response.ok()) return user_error("blob {}: {}", d.digest, failure_text(response));
  std::string digest = TRY(sha256_digest(response.body));
  if (digest != d.digest) {
    return user_error("blob {}: digest mismatch: the registry sent {}", d.digest, digest);
  }
  return std::move(response.body);
}

Result<BlobWriter> fetch_blob(Client& client, HttpSession& session, const std::string& repo,
                              const Descriptor& d, const Layout& layout,
                              const std::function<void(long long)>& on_bytes,
                              const std::atomic<bool>& cancel) {
  // optional: BlobWriter can be moved from but not assigned to.
  std::optional<BlobWriter> writer;
  writer.emplace(TRY(layout.begin_blob()));
  std::optional<Error> sink_error;
  for (int attempt = 0;; ++attempt) {
    Request request;
    request.url = client.url("/v2/" + repo + "/blobs/" + d.digest);
    request.follow_redirects = true;
    const long long offset = writer->size();
    if (offset > 0) request.headers.push_back(fmt::format("Range: bytes={}-", offset));
    bool first = true;
    request.sink = [&](long status, const char* data, size_t size) -> bool {
      if (cancel) {
        sink_error = user_error("cancelled");
        return false;
      }
      if (first) {
        first = false;
        // Asked for the rest but sent from the start (200), or from
        // elsewhere: start over with a fresh blob.
        bool resumed = status == 206 && offset > 0;
        if (offset > 0 && !resumed) {
          trace("blob {}: the registry ignored Range, starting over", d.digest);
          auto fresh = layout.begin_blob();
          if (!fresh) {
            sink_error = std::move(fresh).error();
            return false;
          }
          writer.reset();
          writer.emplace(std::move(fresh.value()));
        }
      }
      if (writer->size() + static_cast<long long>(size) > d.size) {
        sink_error = user_error("blob {}: the registry sent more than its {} bytes", d.digest, d.size);
        return false;
      }
      if (auto written = writer->write(data, size); !written) {
        sink_error = std::move(written).error();
        return false;
      }
      on_bytes(writer->size());
      return true;
    };
    Response response = TRY(client.send_once(session, request));
    if (sink_error) return std::move(*sink_error);
    if (response.status == 206 && offset > 0 && first == false &&
        range_start(response.header("content-range")) != offset) {
      // Bytes from the wrong place were appended: nothing of this blob
      // can be trusted; the commit would fail, so fail clearly now.
      return user_error("blob {}: the registry resumed at the wrong offset ({})", d.digest,
                        response.header("content-range"));
    }
    if ((response.ok() || response.status == 416) && writer->size() == d.size) {
      return std::move(*writer);
    }
    if (response.ok() && writer->size() < d.size && response.transport_error.empty()) {
      // A clean end of a short body (no Content-Length to hold it to).
      response.transport_error = "short body";
      response.retryable_transport = true;
    }
    auto delay = retry_delay(response, attempt);
    if (!delay) {
      if (response.status == 404) return user_error("blob {}: not found in {}", d.digest, client.registry());
      if (response.ok() || !response.transport_error.empty()) {
        return user_error("blob {}: transfer failed after {} of {} bytes: {}", d.digest,
                          writer->size(), d.size, failure_text(response));
      }
      return user_error("blob {}: {}", d.digest, failure_text(response));
    }
    trace("blob {}: {} of {} bytes, retry in {} ms", d.digest, writer->size(), d.size,
          delay->count());
    std::this_thread::sleep_for(*delay);
  }
}

}  // namespace pocker::registry
