/// @file
/// @brief `pocker registry serve`: an OCI distribution server.
///
/// The server speaks the HTTP API of the OCI distribution specification
/// (`/v2/...`), the API that `docker push`, `docker pull` and skopeo use.
/// Its HTTP layer is Boost.Beast (Debian `libboost-dev`, header-only): the
/// project's one HTTP server library, chosen because a server that
/// upgrades a connection (the Engine API's attach and exec) gets the raw
/// socket back from Beast, which cpp-httplib does not give.
///
/// What it keeps, under its root directory:
///
///     oci/                          one OCI image layout: every blob once,
///                                   written by the image store's BlobWriter
///     repositories/<name>/_blobs/<hex>      the blobs this repository may serve
///     repositories/<name>/_manifests/<hex>  its manifests (content: the media type)
///     repositories/<name>/_tags/<tag>       a tag (content: the manifest's digest)
///     tmp/                          temporary files, renamed into place
///
/// Every name in `repositories/` is made by a rename, so a crash leaves the
/// old state or the new one. Uploads in progress live in memory and in
/// unnamed files: a half upload never becomes a blob, and a stopped server
/// leaves none behind.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"

namespace pocker {

/// What `pocker registry serve` was asked for.
struct RegistryServerOptions {
  /// `HOST:PORT` to listen on; port 0 lets the kernel choose one.
  std::string addr = "127.0.0.1:5000";
  /// Where repositories and blobs are kept (made when missing).
  std::string root;
  /// An htpasswd file of bcrypt entries; empty: no authentication.
  std::string htpasswd;
  /// When set, the address really bound (`127.0.0.1:41234`) is also
  /// written to this file, for scripts that asked for port 0.
  std::string addr_file;
  /// At most this many connections are served at once; more wait in the
  /// kernel's listen queue.
  int max_connections = 64;
};

/// Serves until SIGTERM or SIGINT, then stops: in-flight requests are
/// cut off, uploads in progress are dropped. Prints `listening on
/// HOST:PORT` on stdout once it accepts connections, and one line per
/// request on stderr (with its headers under --trace).
Result<void> serve_registry(const RegistryServerOptions& options);

/// True when `name` fits the distribution spec's repository grammar:
/// components of lower-case letters and digits, joined inside by `.`,
/// `_`, `__` or a run of `-`, separated by `/`; at most 255 characters.
/// Nothing else may become a path under `repositories/`.
bool is_valid_repository_name(std::string_view name);

/// True when `tag` fits `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
bool is_valid_tag(std::string_view tag);

/// One page of a tag list (`GET /v2/NAME/tags/list?n=&last=`).
struct TagPage {
  std::vector<std::string> tags;  ///< the tags of this page, sorted
  bool more = false;              ///< true when tags after this page remain
};

/// The page of `sorted` (lexically sorted tags) that follows `last`
/// (every tag when `last` is empty), at most `n` long (no limit when `n`
/// is negative).
TagPage page_tags(const std::vector<std::string>& sorted, long long n, std::string_view last);

}  // namespace pocker
