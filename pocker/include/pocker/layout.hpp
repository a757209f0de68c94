/// @file
/// @brief The image store as an OCI image layout, readable by skopeo and umoci.
///
/// The layout (image-spec `image-layout.md`) is three things in a directory:
///
///     oci-layout        {"imageLayoutVersion":"1.0.0"}
///     index.json        the references: one entry per name, a manifest's
///                       descriptor with the `org.opencontainers.image.ref.name`
///                       annotation
///     blobs/sha256/HEX  every manifest, config and layer, named by digest
///
/// pocker keeps it at `<root>/images/oci` (StoreRoot::oci_layout()): a
/// directory of its own, so `skopeo inspect oci:<root>/images/oci:REF` and
/// `umoci ls --layout` see a plain layout, while unpacked layers and other
/// state of pocker's live beside it, not inside it.
///
/// A blob appears whole or not at all: it is written to an unnamed file
/// (O_TMPFILE) in blobs/sha256, checked against the expected size and
/// digest, synced, and only then given its name. index.json is changed
/// under a lock (flock on the layout directory) and replaced by rename.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pocker/digest.hpp"
#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker {

/// OCI media types (image-spec `media-types.md`): an index,
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
/// a manifest,
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
/// an image config,
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
/// a layer: a tar,
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
/// a gzip tar,
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
/// a zstd tar.
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
/// The annotation that names a reference in index.json.
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

/// The largest JSON document (index, manifest, config) read into memory:
/// what a registry accepts for a manifest. A bigger one is refused before
/// it is read (a huge manifest is a denial of service, CVE-2023-25153).
inline constexpr size_t kMaxDocumentSize = 4 << 20;

/// What names a blob: its media type, digest and size.
struct Descriptor {
  std::string media_type;  ///< e.g. kOciManifest
  std::string digest;      ///< always a valid digest (check_digest)
  long long size = 0;      ///< in bytes

  /// Equal in every field.
  bool operator==(const Descriptor&) const = default;
};

/// One reference of index.json.
struct LayoutRef {
  std::string name;   ///< the ref.name annotation, e.g. `docker.io/library/busybox:latest`
  Descriptor target;  ///< the manifest (or index) it names
};

/// True when `name` fits the grammar of the ref.name annotation
/// (components of alphanumerics joined by one of `-._:@+` or `--`,
/// separated by `/`), which skopeo and umoci enforce too.
bool is_valid_ref_name(std::string_view name);

class Layout;

/// A blob being written. Bytes go to an unnamed file; commit() checks them
/// and names the file. Destroyed without commit(), it leaves nothing.
class BlobWriter {
 public:
  /// Takes over `other`'s file; `other` is left empty.
  BlobWriter(BlobWriter&& other) noexcept = default;
  ~BlobWriter();

  /// Appends bytes; the digest is computed as they pass.
  Result<void> write(const void* data, size_t size);
  /// Appends `data`.
  Result<void> write(std::string_view data) { return write(data.data(), data.size()); }
  /// Bytes written so far.
  long long size() const { return static_cast<long long>(digester_.bytes()); }
  /// Checks the blob against `expect_digest` and `expect_size` (when
  /// given: empty / negative skip the check), syncs it and gives it its
  /// name. A blob already present is kept as it is. Returns the digest.
  Result<std::string> commit(std::string_view expect_digest = {}, long long expect_size = -1);

 private:
  friend class Layout;
  BlobWriter(std::string dir, Fd dirfd, Fd fd, std::string temp_name)
      : dir_(std::move(dir)),
        dirfd_(std::move(dirfd)),
        fd_(std::move(fd)),
        temp_name_(std::move(temp_name)) {}
  std::string dir_;        // blobs/sha256, for messages
  Fd dirfd_;               // blobs/sha256
  Fd fd_;                  // the unnamed (or temporary) file
  std::string temp_name_;  // empty with O_TMPFILE; else a name in dir_ to remove
  Digester digester_;
  bool committed_ = false;
};

/// An OCI image layout on disk.
class Layout {
 public:
  /// Opens the layout at `dir`, making it first when `dir` is missing or
  /// empty. A non-empty directory without `oci-layout`, or with another
  /// layout version, is refused.
  static Result<Layout> open(const std::string& dir);

  /// The layout's directory.
  const std::string& dir() const { return dir_; }

  /// `blobs/sha256/<hex>`; fails for a digest that check_digest() refuses.
  Result<std::string> blob_path(std::string_view digest) const;
  /// True when the blob is present.
  bool has_blob(std::string_view digest) const;

  /// Starts writing a blob.
  Result<BlobWriter> begin_blob() const;
  /// Writes `data` as a blob of `media_type`.
  Result<Descriptor> put_blob(std::string_view data, std::string_view media_type) const;
  /// Copies everything `fd` reads into a blob, checked against `expect`
  /// (its digest, and its size unless negative): reading stops with an
  /// error as soon as the stream is longer than the size it claims.
  Result<Descriptor> put_blob_from(int fd, const Descriptor& expect) const;

  /// Opens a blob for reading (a digest refused by check_digest() never
  /// reaches the file system).
  Result<Fd> open_blob(std::string_view digest) const;
  /// Reads a small blob (a manifest or config) whole, refusing one over
  /// `max` bytes, and checks its size and digest against `d`.
  Result<std::string> read_blob(const Descriptor& d, size_t max = kMaxDocumentSize) const;
  /// As read_blob(), but checks only the size, not the digest: for the
  /// documents a run reads every time. Every blob was checked when it was
  /// written (BlobWriter::commit), and hashing again at each run would
  /// load libcrypto into every `pocker run` for nothing.
  Result<std::string> read_stored_blob(const Descriptor& d,
                                       size_t max = kMaxDocumentSize) const;

  /// Points reference `name` at `target`, replacing what it named before.
  Result<void> add_ref(std::string_view name, const Descriptor& target) const;
  /// Points every reference of `refs` at its target in one change of
  /// index.json: all of them appear, or (on failure) none.
  Result<void> add_refs(const std::vector<LayoutRef>& refs) const;
  /// Removes reference `name`; fails when there is none.
  Result<void> remove_ref(std::string_view name) const;
  /// What reference `name` points at; fails when there is none, or when
  /// index.json names it twice (ambiguous: refused, never guessed).
  Result<Descriptor> resolve(std::string_view name) const;
  /// Every named entry of index.json, in its order.
  Result<std::vector<LayoutRef>> refs() const;

 private:
  explicit Layout(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace pocker
