/// @file
/// @brief Image references in docker's grammar, and digests as names.
///
/// A reference is `[registry[:port]/]repo[:tag][@sha256:hex]`, as docker
/// reads it: `busybox` is `docker.io/library/busybox:latest`,
/// `me/app:1` is `docker.io/me/app:1`, `localhost:5000/app` keeps its
/// registry. Every reference that reaches the store went through
/// parse_reference(), and every digest through check_digest(), before any
/// part of it is used in a path.
#pragma once

#include <string>
#include <string_view>

#include "pocker/error.hpp"

namespace pocker {

/// The registry docker implies for names without one.
inline constexpr std::string_view kDefaultRegistry = "docker.io";

/// A parsed, normalised image reference.
struct Reference {
  std::string registry;  ///< `docker.io`, `localhost:5000`, `ghcr.io`
  std::string repo;      ///< `library/busybox`, `me/app`
  std::string tag;       ///< `latest`; empty when only a digest was given
  std::string digest;    ///< `sha256:<64 hex>`, or empty

  /// `registry/repo`, e.g. `docker.io/library/busybox`.
  std::string name() const;
  /// The normalised form, `docker.io/library/busybox:latest` (with
  /// `@digest` when there is one): the name the store keeps.
  std::string normalized() const;
  /// The short form docker shows: `busybox:latest`, `me/app:1`,
  /// `localhost:5000/app:2`.
  std::string familiar() const;

  /// Equal in every part.
  bool operator==(const Reference&) const = default;
};

/// Parses `text` in docker's grammar and normalises it: `docker.io/` is
/// implied for a name whose first part is no host name (no `.`, no `:`,
/// not `localhost`), `library/` for a one-part name on docker.io, and the
/// tag `latest` when neither a tag nor a digest is given. Fails with a
/// message that names `text` and what is wrong with it: an upper-case
/// repository, a bad tag, a digest that is not sha256 + 64 lower-case hex,
/// a name over 255 characters, a bare 64-hex string (that is an image id).
Result<Reference> parse_reference(std::string_view text);

/// True when `digest` is `sha256:` followed by exactly 64 lower-case hex
/// digits: the only digests pocker accepts, and the only ones that may
/// become a file name.
bool is_valid_digest(std::string_view digest);

/// Ok when is_valid_digest(digest), else an error that names it.
Result<void> check_digest(std::string_view digest);

/// The 64 hex digits of a digest that passed is_valid_digest(); empty for
/// any other string, so a bad digest can never turn into a path part.
std::string digest_hex(std::string_view digest);

}  // namespace pocker
