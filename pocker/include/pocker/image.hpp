/// @file
/// @brief The image store (this level: the embedded busybox image).
#pragma once

#include <string>

#include "pocker/error.hpp"

namespace pocker {

/// Where pocker keeps images and container state.
struct StoreRoot {
  std::string root;  ///< --root, e.g. /var/lib/pocker

  /// `<root>/images`: the unpacked images' root file systems.
  std::string images() const { return root + "/images"; }
  /// `<root>/images/oci`: the OCI image layout (pocker/layout.hpp).
  std::string oci_layout() const { return images() + "/oci"; }
  /// `<root>/images/layers`: unpacked layers, one per ChainID (pocker/unpack.hpp).
  std::string layers() const { return images() + "/layers"; }
  /// `<root>/containers`: one state directory per container, named by id.
  std::string containers() const { return root + "/containers"; }
};

/// The default --root: /var/lib/pocker as root, $XDG_DATA_HOME/pocker
/// (or ~/.local/share/pocker) otherwise. POCKER_ROOT overrides both.
std::string default_store_root();

/// Returns the root filesystem directory of image `name`, unpacking the
/// embedded busybox image on first use. Other names are not found (yet).
Result<std::string> image_rootfs(const StoreRoot& store, const std::string& name);

/// The sha256 digest of the embedded busybox image tar, e.g. `sha256:ab…`.
std::string embedded_image_digest();

}  // namespace pocker
