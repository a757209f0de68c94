// The chain of two libarchive readers a layer is read through
// (layer_stream.hpp).
#include "layer_stream.hpp"

#include <archive.h>
#include <errno.h>
#include <unistd.h>

#include "pocker/libarchive.hpp"

namespace pocker {

Result<void> Source::drain() {
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read layer");
    if (n == 0) return ok();
    bytes += static_cast<unsigned long long>(n);
    if (digesting) digest.update(buf.data(), static_cast<size_t>(n));
  }
}

Result<void> Stream::drain() {
  const void* block;
  size_t len;
  la_int64_t offset;
  int rc;
  while ((rc = archive_read_data_block(raw, &block, &len, &offset)) == ARCHIVE_OK) {
    digest.update(block, len);
    bytes += len;
    if (bytes > max_bytes) {
      return user_error("layer expands past the cap of {} bytes (a decompression bomb?)",
                        max_bytes);
    }
  }
  if (rc != ARCHIVE_EOF) return archive_failure(raw, "decompress layer");
  return ok();
}

la_ssize_t source_read(archive*, void* client, const void** out) {
  auto* s = static_cast<Source*>(client);
  while (true) {
    ssize_t n = ::read(s->fd, s->buf.data(), s->buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s->read_errno = errno;
      return -1;
    }
    s->bytes += static_cast<unsigned long long>(n);
    if (s->digesting) s->digest.update(s->buf.data(), static_cast<size_t>(n));
    *out = s->buf.data();
    return n;
  }
}

la_ssize_t stream_read(archive*, void* client, const void** out) {
  auto* s = static_cast<Stream*>(client);
  size_t len = 0;
  la_int64_t offset;
  int rc;
  // An empty block is no end, but returning 0 would tell the tar reader
  // it was.
  do {
    rc = archive_read_data_block(s->raw, out, &len, &offset);
  } while (rc == ARCHIVE_OK && len == 0);
  if (rc == ARCHIVE_EOF) return 0;
  if (rc != ARCHIVE_OK) {
    s->raw_failed = true;
    return -1;
  }
  s->digest.update(*out, len);
  s->bytes += len;
  if (s->bytes > s->max_bytes) {
    s->over_cap = true;
    return -1;
  }
  return static_cast<la_ssize_t>(len);
}

}  // namespace pocker
