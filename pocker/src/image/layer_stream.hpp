// Internal to the image module: the chain of two libarchive readers a
// layer is read through, for src/image/unpack.cpp.
//
//   fd -> [raw: gzip/zstd/none] -> decompressed -> [tar] -> entries
//         digest of the blob      digest (diff_id), size cap
//
// The tar reader's input callback (stream_read) pulls from the raw reader,
// whose input callback (source_read) reads the descriptor: one pass gives
// both digests, and the cap stops a decompression bomb after `max_bytes`
// however small the blob.
#pragma once

#include <archive.h>

#include <cstddef>
#include <vector>

#include "pocker/digest.hpp"
#include "pocker/error.hpp"

namespace pocker {

inline constexpr size_t kLayerReadBuffer = 1 << 20;

/// The blob as stored: read from the descriptor and digested on the way.
struct Source {
  int fd;
  Digester digest;
  std::vector<char> buf = std::vector<char>(kLayerReadBuffer);
  int read_errno = 0;
  unsigned long long bytes = 0;
  /// Off for an uncompressed layer, whose blob digest is its diff_id: one
  /// sha256 instead of two over the same bytes (a third of the unpack).
  bool digesting = true;

  /// Reads whatever libarchive did not (a gzip stream may end before the
  /// file does): the blob's digest covers the whole file.
  Result<void> drain();
};

/// The uncompressed tar, pulled from the raw reader by the tar reader.
struct Stream {
  archive* raw;
  Digester digest;
  unsigned long long bytes = 0;
  unsigned long long max_bytes;
  bool over_cap = false;
  bool raw_failed = false;

  /// Reads the rest of the tar after its end-of-archive blocks, for the
  /// diff_id (and the cap: a bomb can hide there, where no entry is).
  Result<void> drain();
};

/// libarchive's read callback for the raw reader; client is a Source.
la_ssize_t source_read(archive*, void* client, const void** out);
/// libarchive's read callback for the tar reader; client is a Stream.
la_ssize_t stream_read(archive*, void* client, const void** out);

}  // namespace pocker
