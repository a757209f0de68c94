// Internal to the registry module: GETs of manifests and blobs, each
// checked against its digest as it arrives.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "client.hpp"
#include "pocker/layout.hpp"

namespace pocker::registry {

/// A JSON document as the registry sent it, byte for byte, with its
/// descriptor (the media type from Content-Type, the digest of the bytes).
struct Document {
  std::string text;       ///< the exact bytes: their digest is the name
  Descriptor descriptor;  ///< media type, digest, size
};

/// The Accept headers of a manifest GET: every type pocker reads.
std::vector<std::string> manifest_accept();

/// GET /v2/<repo>/manifests/<tag or digest>. Refused: more than 4 MiB
/// (kMaxDocumentSize), a media type pocker does not read (schema 1),
/// bytes whose digest is not the one asked for (by digest) or not the
/// one the registry announced (Docker-Content-Digest).
Result<Document> fetch_manifest(Client& client, HttpSession& session, const std::string& repo,
                                const std::string& reference);

/// GET of a small blob (a config) into memory, checked against `d`.
Result<std::string> fetch_document_blob(Client& client, HttpSession& session,
                                        const std::string& repo, const Descriptor& d);

/// GET of a blob into a new blob of `layout`, not yet committed: the
/// caller commits it (which checks the digest). A transfer cut short is
/// resumed with `Range: bytes=N-` where it stopped; 429 and 5xx are
/// retried (kMaxTries in all). More bytes than `d.size` stop the transfer
/// at once. `on_bytes` sees the count so far; `cancel` stops it.
Result<BlobWriter> fetch_blob(Client& client, HttpSession& session, const std::string& repo,
                              const Descriptor& d, const Layout& layout,
                              const std::function<void(long long)>& on_bytes,
                              const std::atomic<bool>& cancel);

}  // namespace pocker::registry
