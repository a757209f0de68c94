// Internal to the registry module: platforms, and an image index (a
// manifest list) read strictly to choose the manifest of one platform.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/layout.hpp"

namespace pocker::registry {

/// Docker's manifest list: the index of docker's schema 2.
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";

/// os/architecture[/variant].
struct Platform {
  std::string os;            ///< `linux`
  std::string architecture;  ///< `amd64`, `arm64`, `arm`
  std::string variant;       ///< `v8`, `v7`, or empty

  /// `linux/arm64/v8`.
  std::string text() const;
};

/// Reads `linux/amd64` or `linux/arm64/v8`; empty `text` is this machine.
Result<Platform> parse_platform(std::string_view text);

/// True for the index types (OCI image index, docker manifest list).
bool is_index_type(std::string_view media_type);

/// Reads an index of `media_type` and returns the manifest it lists for
/// `want`. Refused: a document that also has `layers` or `config`
/// (ambiguous: CVE-2021-41190), a bad descriptor, no entry for `want`
/// (the message lists the platforms it has).
Result<Descriptor> choose_manifest(std::string_view text, std::string_view media_type,
                                   const Platform& want);

}  // namespace pocker::registry
