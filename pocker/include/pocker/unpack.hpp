/// @file
/// @brief Unpacking image layers so that a layer cannot reach outside its
/// directory.
///
/// A layer is a tar of a directory diff, plain, gzip or zstd (read through
/// libarchive's filters, whatever the media type claims). It is unpacked
/// into a fresh private directory, with every name checked before use:
/// absolute names, `..`, writes through a symlink, hardlinks to anything
/// outside the layer and a root that is not a directory are refused, and
/// so is a layer that expands past a size or entry cap (a decompression
/// bomb). Whiteouts become what overlayfs reads: `.wh.NAME` a 0/0
/// character device, `.wh..wh..opq` the `overlay.opaque` xattr on its
/// directory; overlay xattrs that come inside a layer are dropped, so a
/// layer cannot hide files of the layers below it by other means.
///
/// On any failure, nothing of the layer is left: no partial tree, no name.
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>

#include "pocker/error.hpp"

namespace pocker {

/// How a layer is unpacked, and what it may cost.
struct UnpackOptions {
  /// Rootless: device nodes are refused (only root may make them), file
  /// owners are not restored (everything belongs to the caller, whom a
  /// user namespace shows as root), and the opaque xattr is
  /// `user.overlay.opaque`, which overlayfs reads when mounted with
  /// `userxattr`. As root: `trusted.overlay.opaque`, owners restored.
  /// The default follows the effective user.
  bool rootless = ::geteuid() != 0;
  /// Cap on the uncompressed size, counted both as the tar stream and as
  /// the sum of its files' sizes (a sparse entry claims more than it
  /// holds). 16 GiB: ten times the largest common base images.
  unsigned long long max_bytes = 16ULL << 30;
  /// Cap on the number of entries (a Debian base image has about 10 000).
  unsigned long long max_entries = 1'000'000;
};

/// The digests a layer must have; an empty one is not checked.
struct LayerDigests {
  std::string digest;   ///< of the blob as stored (compressed): the manifest's layer digest
  std::string diff_id;  ///< of the uncompressed tar: the config's rootfs.diff_ids entry
};

/// What an unpack found.
struct UnpackStats {
  std::string digest;                ///< the blob's digest, as read
  std::string diff_id;               ///< the uncompressed tar's digest
  unsigned long long entries = 0;    ///< tar entries read
  unsigned long long tar_bytes = 0;  ///< size of the uncompressed tar
};

/// Unpacks the layer that `fd` reads into `dest`, which must not exist
/// yet (it is made with mode 0755). The digests in `expect` are checked
/// once the whole blob has been read. On failure `dest` is removed again.
/// libarchive is loaded here if it was not.
///
/// Changes the working directory while it runs and restores it (libarchive
/// writes relative to it, and its secure flags refuse absolute names): do
/// not call it while another thread depends on the working directory.
Result<UnpackStats> unpack_tar(int fd, const std::string& dest, const LayerDigests& expect,
                               const UnpackOptions& options);

/// An unpacked layer in the layer store.
struct UnpackedLayer {
  std::string chain_id;  ///< `sha256:…`, the key
  std::string path;      ///< `<layers>/<chain hex>/diff`: the tree, an overlay lowerdir
  bool existed = false;  ///< already unpacked (by this image or another)
};

/// Unpacks a layer into the store `layers_dir`, once per ChainID: the layer
/// whose parent layers have ChainID `parent_chain` (empty for the bottom
/// layer) and whose diff_id is `expect.diff_id` (required) is kept under
/// `<layers_dir>/<hex of its ChainID>/diff`. When it is there already the
/// blob is not read. Otherwise it is unpacked into a temporary directory
/// in `layers_dir` and renamed into place only when complete and checked,
/// so a pocker killed halfway leaves no layer under that name (only a
/// `.unpack-*` directory, which prune_unpack_leftovers() removes).
Result<UnpackedLayer> unpack_layer(const std::string& layers_dir, std::string_view parent_chain,
                                   int fd, const LayerDigests& expect,
                                   const UnpackOptions& options);

/// Removes the `.unpack-*` directories an unpack killed halfway left in
/// `layers_dir`, and returns how many. Safe while other unpacks run: a
/// live unpack holds a flock on its directory, which is then left alone.
Result<int> prune_unpack_leftovers(const std::string& layers_dir);

}  // namespace pocker
