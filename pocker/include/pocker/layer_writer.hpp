/// @file
/// @brief A new layer from an overlay upper directory: the reverse of unpacking.
///
/// A container's writes land in the upper directory of its overlay. That
/// directory *is* the diff against the image: new and changed files as
/// they are, deleted ones as whiteouts in overlayfs's form (a 0/0
/// character device), and directories that replace a lower one marked
/// opaque (the `overlay.opaque` xattr). A layer says the same in tar form:
/// a whiteout is an empty file `.wh.NAME`, an opaque directory holds an
/// empty `.wh..wh..opq`.
///
/// The tar is written in a fixed order (names sorted byte-wise, a
/// directory before what it holds) with no access or change times, no
/// user or group names and a gzip header without a timestamp, so the same
/// tree always gives the same digest. File modification times are kept as
/// they are, as docker's builders keep them: a layer is a snapshot of the
/// files, and `make` inside a later container reads those times.
#pragma once

#include <functional>
#include <string>

#include "pocker/error.hpp"
#include "pocker/layout.hpp"

namespace pocker {

/// Where tar bytes go, as they are made.
using TarSink = std::function<Result<void>(const void* data, size_t size)>;

/// Writes the tar of the upper directory `upper` into `sink` and returns
/// the number of entries. Overlay xattrs are never copied into the tar;
/// other xattrs (such as `security.capability`) are. Hardlinks inside the
/// tree stay hardlinks. Sockets are skipped (a tar cannot hold them).
Result<unsigned long long> write_upper_tar(const std::string& upper, const TarSink& sink);

/// True when `upper` holds nothing: the step changed no file, and its
/// history entry is an `empty_layer`.
Result<bool> upper_is_empty(const std::string& upper);

/// A layer blob being written: the uncompressed tar goes in, its digest
/// (the diff_id) is computed as it passes, and it is gzip-compressed into
/// a new blob of the layout, whose digest is computed too. One pass, no
/// temporary file. Destroyed without finish(), it leaves nothing.
class LayerBlobWriter {
 public:
  /// Starts a blob in `layout`.
  static Result<LayerBlobWriter> begin(const Layout& layout);
  /// Takes over `other`'s state.
  LayerBlobWriter(LayerBlobWriter&& other) noexcept;
  ~LayerBlobWriter();

  /// Adds uncompressed tar bytes.
  Result<void> write(const void* data, size_t size);
  /// Ends the gzip stream and names the blob.
  Result<void> finish();

  /// After finish(): the blob (media type kOciLayerGzip).
  const Descriptor& blob() const { return blob_; }
  /// After finish(): the digest of the uncompressed tar.
  const std::string& diff_id() const { return diff_id_; }

 private:
  struct State;
  explicit LayerBlobWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  Descriptor blob_;
  std::string diff_id_;
};

}  // namespace pocker
