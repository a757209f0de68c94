/// @file
/// @brief The image store: images by reference, ready to run.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/layout.hpp"
#include "pocker/manifest.hpp"

namespace pocker {

/// Where pocker keeps images and container state.
struct StoreRoot {
  std::string root;  ///< --root, e.g. /var/lib/pocker

  /// `<root>/images`: the image store (the layout, the layers, and its lock).
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

/// An image of the store, found by its reference.
struct StoredImage {
  std::string name;     ///< the reference, normalised: `docker.io/library/busybox:latest`
  Descriptor manifest;  ///< what the reference points at
  Manifest parsed;      ///< the manifest: config descriptor and layers
  ImageConfig config;   ///< the config; its digest (parsed.config.digest) is the image id
};

/// The reference docker would answer to `text`: `busybox` is
/// `docker.io/library/busybox:latest`. Fails like parse_reference().
Result<std::string> normalized_reference(std::string_view text);

/// Finds image `text` (any form parse_reference() reads) in the store.
/// With `import_embedded`, the embedded busybox is imported into the store
/// as `docker.io/library/busybox:latest` on its first use, under a lock, so
/// two first runs at once import it once. An unknown image fails with
/// `no such image: TEXT` and leaves nothing behind.
Result<StoredImage> find_image(const StoreRoot& store, std::string_view text,
                               bool import_embedded = true);

/// Reads the image that reference `name` of `layout` points at. Checks
/// sizes and structure, not digests: every blob was checked when it was
/// written, and a run should not hash anything (see read_stored_blob()).
Result<StoredImage> read_stored_image(const Layout& layout, std::string name,
                                      const Descriptor& manifest);

/// Every image of the store that pocker can read, in index.json's order
/// (one per reference: an image with two tags is listed twice).
Result<std::vector<StoredImage>> list_images(const StoreRoot& store);

/// Points reference `target` at image `source`; returns its normalised name.
Result<std::string> tag_image(const StoreRoot& store, std::string_view source,
                              std::string_view target);

/// Removes reference `name` (normalised). Blobs and layers stay.
Result<void> untag_image(const StoreRoot& store, const std::string& name);

/// The image's layers as overlay lower directories, top first (overlayfs
/// gives the leftmost lowerdir priority). Layers already unpacked are used
/// as they are, with no blob read or hashed; missing ones are unpacked
/// (and checked) now.
Result<std::vector<std::string>> image_layer_dirs(const StoreRoot& store,
                                                  const StoredImage& image);

/// What an image made from one layer starts by default (the config's
/// `config` object). Empty fields are left out of the config.
struct ImageDefaults {
  std::vector<std::string> env;  ///< `Env`: KEY=VALUE lines
  std::vector<std::string> cmd;  ///< `Cmd`: the command when `run` gives none
  std::string working_dir;       ///< `WorkingDir`
  std::vector<std::string> volumes;  ///< `Volumes`: absolute paths
  std::vector<std::string> exposed_ports;  ///< `ExposedPorts` keys: `80/tcp`
};

/// Writes the config and manifest of a one-layer image whose layer blob,
/// already in `layout`, is `layer` with the uncompressed digest `diff_id`,
/// and returns the manifest's descriptor (no reference is added).
Result<Descriptor> write_one_layer_image(const Layout& layout, const Descriptor& layer,
                                         const std::string& diff_id,
                                         const ImageDefaults& defaults);

/// Writes the image config `config` (JSON whose rootfs.diff_ids name
/// `layers`' uncompressed digests, bottom first) as a blob, and a manifest
/// of it and `layers` (all already in `layout`); returns the manifest's
/// descriptor. No reference is added. An image of no layer is allowed here
/// (`FROM scratch` with only metadata) but cannot be run.
Result<Descriptor> write_image(const Layout& layout, std::string_view config,
                               const std::vector<Descriptor>& layers);

/// Applies one `import --change` instruction to `defaults`: `CMD ["a",
/// "b"]` (or the shell form `CMD a b`), `ENV KEY=VALUE`, `WORKDIR /dir`,
/// `VOLUME /path` (or `VOLUME ["/a", "/b"]`).
/// `EXPOSE PORT[/tcp|udp]...`.
Result<void> apply_change(std::string_view text, ImageDefaults& defaults);

/// `import`: makes the tar at `tar_path` (plain, gzip or zstd: a root file
/// system) a one-layer image named `reference`. The tar is unpacked and
/// checked first (pocker/unpack.hpp): a tar that would write outside its
/// tree fails, and leaves no blob, layer or reference.
Result<StoredImage> import_image(const StoreRoot& store, const std::string& tar_path,
                                 std::string_view reference, const ImageDefaults& defaults);

/// What a garbage collection removed.
struct GcReport {
  std::vector<std::string> blobs;  ///< digests of the blobs removed
  int layers = 0;                  ///< unpacked layers removed
  unsigned long long bytes = 0;    ///< bytes freed, blobs and layers' files
};

/// The manifest digests of the images the store's containers were made
/// from, running or not: what garbage collection must keep.
Result<std::set<std::string>> manifests_in_use(const StoreRoot& store);

/// Removes the blobs and unpacked layers that no entry of index.json and
/// no container reaches any more, and what killed loads and unpacks left
/// (temporary directories no live pocker holds locked). Runs under the
/// store's lock, which every command that adds blobs before their
/// reference (load, import) holds meanwhile. A layer is renamed out of
/// its place before it is deleted, so a run never takes half a layer for
/// a whole one.
Result<GcReport> collect_image_garbage(const StoreRoot& store);

/// The sha256 digest of the embedded busybox image tar, e.g. `sha256:ab…`.
std::string embedded_image_digest();

}  // namespace pocker
