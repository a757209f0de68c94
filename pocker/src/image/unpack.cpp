// Layer unpacking (pocker/unpack.hpp).
//
// Two libarchive readers in a chain (layer_stream.hpp) give, in one pass
// over the blob, both of its digests, the tree, and a cap on the expanded
// size that stops a decompression bomb. libarchive's disk writer runs with its secure
// flags, in the layer's directory as working directory (those flags refuse
// absolute names); the names, whiteouts and hardlinks are checked here
// first (unpack_entry.cpp).
#include "pocker/unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "layer_stream.hpp"
#include "pocker/digest.hpp"
#include "pocker/fd.hpp"
#include "pocker/fs.hpp"
#include "pocker/libarchive.hpp"
#include "pocker/reference.hpp"
#include "pocker/trace.hpp"
#include "unpack_entry.hpp"

namespace pocker {
namespace {

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

// Back to the working directory the caller had, however the unpack ends.
class CwdGuard {
 public:
  static Result<CwdGuard> enter(int dirfd) {
    Fd saved(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!saved) return sys_error("open the working directory");
    if (::fchdir(dirfd) < 0) return sys_error("enter the layer directory");
    return CwdGuard(std::move(saved));
  }
  CwdGuard(CwdGuard&&) = default;
  ~CwdGuard() {
    if (saved_ && ::fchdir(saved_.get()) < 0) trace("restore working directory failed");
  }

 private:
  explicit CwdGuard(Fd saved) : saved_(std::move(saved)) {}
  Fd saved_;
};

// What went wrong in the tar reader: the cap, the read, or the tar itself.
Error tar_failure(archive* tar, const Source& source, const Stream& stream,
                  const std::string& what) {
  if (stream.over_cap) {
    return user_error("{}: layer expands past the cap of {} bytes (a decompression bomb?)", what,
                      stream.max_bytes);
  }
  if (source.read_errno) return errno_error(source.read_errno, "{}: read layer", what);
  if (stream.raw_failed) return archive_failure(stream.raw, what + ": decompress layer");
  return archive_failure(tar, what);
}

bool is_device(__LA_MODE_T type) { return type == AE_IFCHR || type == AE_IFBLK; }

// The entries, written under the current directory (the layer's root).
Result<unsigned long long> write_entries(archive* tar, int root, const Source& source,
                                         const Stream& stream, const UnpackOptions& options) {
  ArchivePtr disk(archive_write_disk_new(), archive_write_free);
  // No user-name lookup is set: owners are the numbers in the tar, as the
  // image means them, never remapped through the host's /etc/passwd.
  int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
              ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
              ARCHIVE_EXTRACT_SECURE_SYMLINKS;
  if (!options.rootless) flags |= ARCHIVE_EXTRACT_OWNER;
  archive_write_disk_set_options(disk.get(), flags);
  unsigned long long entries = 0;
  unsigned long long file_bytes = 0;
  std::string checked_parent = "\x01";  // the last parent walked without symlinks
  archive_entry* entry = nullptr;
  int rc;
  // ARCHIVE_WARN is an entry all the same. pax headers hold names in
  // UTF-8, which libarchive fails to convert to pocker's C locale: it warns
  // and keeps the bytes as they are, which is what a Linux name is.
  while ((rc = archive_read_next_header(tar, &entry)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    if (++entries > options.max_entries) {
      return user_error("layer has more than {} entries", options.max_entries);
    }
    std::string name = TRY(clean_entry_name(archive_entry_pathname(entry), "path"));
    __LA_MODE_T type = archive_entry_filetype(entry);
    if (name.empty()) {
      // The root itself: the layer's directory stands for it. Anything but
      // a directory here (a `.` symlink, umoci's CVE-2021-29136) would
      // replace the root with something else.
      if (type != AE_IFDIR) return user_error("layer root \".\" is not a directory");
      continue;
    }
    size_t slash = name.rfind('/');
    std::string parent = slash == std::string::npos ? "" : name.substr(0, slash);
    std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
    if (base.rfind(".wh.", 0) == 0) {
      if (base == ".wh..wh..opq") {
        TRY(make_opaque(root, parent, options.rootless));
      } else if (base.rfind(".wh..wh.", 0) != 0) {  // other .wh..wh. names: aufs's own files
        TRY(make_whiteout(root, parent, std::string_view(base).substr(4)));
      }
      checked_parent = "\x01";
      continue;
    }
    if (const char* link = archive_entry_hardlink(entry)) {
      std::string target = TRY(clean_entry_name(link, "hardlink"));
      TRY(check_hardlink_target(root, target));
      archive_entry_set_hardlink(entry, target.c_str());
    } else if (is_device(type) && options.rootless) {
      return user_error("layer entry {} is a device node: refused rootless", name);
    } else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFIFO &&
               !is_device(type)) {
      return user_error("layer entry {} has an unsupported file type", name);
    }
    // Our own check that no parent is a symlink, besides libarchive's;
    // entries come grouped by directory, so one walk serves many.
    if (parent != checked_parent) {
      auto dir = open_dir_beneath(root, parent, false);
      if (!dir && dir.error().err() != ENOENT) return std::move(dir).error().wrap("unpack " + name);
      checked_parent = dir ? parent : "\x01";
    }
    // An entry that replaces the checked parent, or one of its parents,
    // with something else invalidates the walk.
    if (checked_parent == name || checked_parent.rfind(name + "/", 0) == 0) checked_parent = "\x01";
    if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0) {
      file_bytes += static_cast<unsigned long long>(archive_entry_size(entry));
      if (file_bytes > options.max_bytes) {
        return user_error("layer files add up to more than the cap of {} bytes", options.max_bytes);
      }
    }
    if (int dropped = drop_overlay_xattrs(entry)) {
      trace("unpack {}: dropped {} overlay xattrs", name, dropped);
    }
    archive_entry_set_pathname(entry, name.c_str());
    if (archive_write_header(disk.get(), entry) < ARCHIVE_WARN) {
      return archive_failure(disk.get(), "unpack " + name);
    }
    const void* block;
    size_t len;
    la_int64_t offset;
    while ((rc = archive_read_data_block(tar, &block, &len, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(disk.get(), block, len, offset) < ARCHIVE_WARN) {
        return archive_failure(disk.get(), "unpack " + name);
      }
    }
    if (rc != ARCHIVE_EOF) return tar_failure(tar, source, stream, "read " + name);
    if (archive_write_finish_entry(disk.get()) < ARCHIVE_WARN) {
      return archive_failure(disk.get(), "unpack " + name);
    }
  }
  if (rc != ARCHIVE_EOF) return tar_failure(tar, source, stream, "read layer");
  // Directory modes and times are set last (a read-only directory must
  // stay writable until its entries are in), while still in the root.
  if (archive_write_close(disk.get()) < ARCHIVE_WARN) {
    return archive_failure(disk.get(), "finish unpack");
  }
  return entries;
}

Result<UnpackStats> unpack_into(int fd, const std::string& dest, const LayerDigests& expect,
                                const UnpackOptions& options) {
  if (!expect.digest.empty()) TRY(check_digest(expect.digest));
  if (!expect.diff_id.empty()) TRY(check_digest(expect.diff_id));
  Fd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root) return sys_error("open {}", dest);

  Source source{fd};
  ArchivePtr raw(archive_read_new(), archive_read_free);
  // Only the compressions images use; libarchive's other filters are code
  // a layer has no reason to reach.
  archive_read_support_filter_gzip(raw.get());
  archive_read_support_filter_zstd(raw.get());
  archive_read_support_format_raw(raw.get());
  if (archive_read_open(raw.get(), &source, nullptr, source_read, nullptr) != ARCHIVE_OK) {
    if (source.read_errno) return errno_error(source.read_errno, "read layer");
    return archive_failure(raw.get(), "open layer");
  }
  archive_entry* whole;
  if (archive_read_next_header(raw.get(), &whole) != ARCHIVE_OK) {
    return archive_failure(raw.get(), "open layer");
  }
  // Uncompressed, the tar stream is the blob, byte for byte.
  bool plain = archive_filter_code(raw.get(), 0) == ARCHIVE_FILTER_NONE;
  source.digesting = !plain;
  Stream stream{raw.get(), Digester(), 0, options.max_bytes};
  ArchivePtr tar(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(tar.get());
  if (archive_read_open(tar.get(), &stream, nullptr, stream_read, nullptr) != ARCHIVE_OK) {
    return tar_failure(tar.get(), source, stream, "open layer (not a tar, gzip or zstd tar?)");
  }
  unsigned long long entries;
  {
    CwdGuard cwd = TRY(CwdGuard::enter(root.get()));
    entries = TRY(write_entries(tar.get(), root.get(), source, stream, options));
  }
  TRY(stream.drain());
  TRY(source.drain());
  UnpackStats stats;
  stats.diff_id = TRY(stream.digest.finish());
  if (plain && source.bytes != stream.bytes) {
    return user_error("read layer: {} bytes read, {} passed through", source.bytes, stream.bytes);
  }
  stats.digest = plain ? stats.diff_id : TRY(source.digest.finish());
  stats.entries = entries;
  stats.tar_bytes = stream.bytes;
  if (!expect.digest.empty() && stats.digest != expect.digest) {
    return user_error("layer digest mismatch: expected {}, got {}", expect.digest, stats.digest);
  }
  if (!expect.diff_id.empty() && stats.diff_id != expect.diff_id) {
    return user_error("layer diff_id mismatch: expected {}, got {}", expect.diff_id, stats.diff_id);
  }
  return stats;
}

}  // namespace

Result<UnpackStats> unpack_tar(int fd, const std::string& dest, const LayerDigests& expect,
                               const UnpackOptions& options) {
  TRY(load_libarchive());
  if (::mkdir(dest.c_str(), 0755) < 0) return sys_error("mkdir {}", dest);
  auto stats = unpack_into(fd, dest, expect, options);
  if (!stats) (void)remove_tree(dest);
  return stats;
}

}  // namespace pocker
