/// @file
/// @brief `save` and `load`: images as one tar, in the OCI or docker format.
///
/// Two formats are read and written:
///
///     OCI archive      a tar of an OCI image layout: oci-layout, index.json,
///                      blobs/sha256/HEX (what `skopeo copy oci-archive:` and
///                      `umoci` read once unpacked)
///     docker archive   manifest.json ([{Config, RepoTags, Layers}], paths in
///                      the tar) beside the same layout, as docker 25 writes
///                      it; older docker (and `skopeo copy docker-archive:`)
///                      name the files `<hex>.json` and `<id>/layer.tar`
///
/// A load stages everything in a temporary directory of the store, checks
/// every blob's digest and size as it streams in and every layer's diff_id
/// as it is unpacked, and only then moves the blobs into the store and adds
/// the references, in one change of index.json. A load that fails, or is
/// killed, leaves no blob, layer or reference in the store: its staging
/// directory, locked while the load lives, is removed by the next load or
/// prune (pocker/image.hpp: collect_image_garbage()).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/image.hpp"

namespace pocker {

/// The format `save` writes.
enum class ArchiveFormat {
  kDocker,  ///< manifest.json and an OCI layout in one tar (docker 25's `docker save`)
  kOci,     ///< an OCI layout only
};

/// Reads `docker` or `oci`.
Result<ArchiveFormat> parse_archive_format(std::string_view text);

/// Writes the images `images` (references in any form parse_reference()
/// reads) as one tar to `out_fd`; `shown` names it in messages. Every
/// reference becomes an index.json entry (and, in the docker format, a
/// RepoTags entry); a blob shared by several images is written once.
Result<void> save_images(const StoreRoot& store, const std::vector<std::string>& images,
                         ArchiveFormat format, int out_fd, const std::string& shown);

/// Reads an archive in either format (plain, gzip or zstd) from `in_fd`
/// into the store; `shown` names it in messages. Returns the references
/// it added, normalised. An image without a name is refused (pocker keeps
/// no unnamed images), and so is the whole archive with it.
Result<std::vector<std::string>> load_images(const StoreRoot& store, int in_fd,
                                             const std::string& shown);

}  // namespace pocker
