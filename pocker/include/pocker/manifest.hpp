/// @file
/// @brief An image's manifest and the part of its config that names its
/// layers, read strictly, and the image unpacked layer by layer.
///
/// Both OCI and docker schema 2 documents are read: docker-save archives
/// and registries still hand out the docker ones, with the same shape.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/layout.hpp"
#include "pocker/unpack.hpp"

namespace pocker {

/// Docker's schema 2 manifest (the OCI media types are in layout.hpp).
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
/// Docker's image config.
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
/// Docker's layer: a gzip tar.
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// An image manifest: its config and its layers, bottom first.
struct Manifest {
  Descriptor config;               ///< the image config
  std::vector<Descriptor> layers;  ///< bottom first
};

/// Reads a manifest whose descriptor says `media_type`. Refused: a
/// document whose own mediaType differs, one that also has `manifests`
/// (an index posing as a manifest: CVE-2021-41190), a layer of a media
/// type pocker cannot unpack, a foreign layer with `urls` (never fetched:
/// CVE-2020-15157), a bad digest or size, more than 256 layers.
Result<Manifest> parse_manifest(std::string_view text, std::string_view media_type);

/// One step of an image's making, from the config's `history` (what
/// `pocker history` shows).
struct HistoryEntry {
  std::string created;     ///< RFC 3339, or empty
  std::string created_by;  ///< e.g. `/bin/sh -c apt-get install g++`
  std::string comment;     ///< free text, or empty
  bool empty_layer = false;  ///< the step made no layer (ENV, CMD, ...)
};

/// What pocker reads from an image config: the layers, and the defaults
/// of the process a run starts (image-spec `config.md`, the `config` object).
struct ImageConfig {
  std::string os;                     ///< `linux`
  std::string architecture;           ///< `amd64`, `arm64`, ...
  std::string created;                ///< RFC 3339, or empty
  std::vector<std::string> diff_ids;  ///< rootfs.diff_ids, bottom first
  std::vector<std::string> env;       ///< Env: KEY=VALUE, each with its `=`
  std::vector<std::string> entrypoint;  ///< Entrypoint
  std::vector<std::string> cmd;       ///< Cmd: the default arguments (of the entrypoint)
  std::string working_dir;            ///< WorkingDir: absolute, or empty
  std::string user;                   ///< User: `uid[:gid]` or a name, or empty
  std::vector<std::string> volumes;   ///< Volumes: absolute paths, sorted (anonymous volumes)
  std::vector<HistoryEntry> history;  ///< history: oldest first
  /// ExposedPorts: the keys, `PORT/PROTO` (`80/tcp`), sorted; what `-P`
  /// publishes.
  std::vector<std::string> exposed_ports;
};

/// An exposed port as an image config names it: `PORT[/tcp|udp|sctp]`,
/// PORT 1..65535 without leading zeros; returned as `PORT/PROTO` (a bare
/// port is tcp, as docker reads it).
Result<std::string> exposed_port_key(std::string_view text);

/// Reads an image config; every diff_id must be a valid digest, Env,
/// Entrypoint and Cmd arrays of strings (or null), each Env entry
/// `KEY=VALUE`, WorkingDir absolute when given, Volumes an object whose
/// keys are absolute paths without `..`.
/// `KEY=VALUE`, WorkingDir absolute when given, each ExposedPorts key
/// `PORT[/tcp|udp|sctp]` (a bare port is tcp, as docker reads it).
Result<ImageConfig> parse_image_config(std::string_view text);

/// Resolves nothing: reads the manifest `manifest` and its config from
/// `layout`, checks that they agree (one diff_id per layer), and unpacks
/// every layer into the layer store `layers_dir` by ChainID (layers that
/// are there already are shared, not read). Returns them bottom first:
/// overlayfs wants them top first as lowerdir.
Result<std::vector<UnpackedLayer>> unpack_image(const Layout& layout, const std::string& layers_dir,
                                                const Descriptor& manifest,
                                                const UnpackOptions& options);

}  // namespace pocker
