// A layer from an overlay upper directory (pocker/layer_writer.hpp): the
// tree walked in sorted order, overlayfs's whiteouts turned back into
// `.wh.` entries, and the tar gzip-compressed into a blob as it is made.
#include "pocker/layer_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "pocker/digest.hpp"
#include "pocker/fd.hpp"
#include "pocker/libarchive.hpp"

namespace pocker {
namespace {

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;
using EntryPtr = std::unique_ptr<archive_entry, void (*)(archive_entry*)>;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

bool is_overlay_xattr(std::string_view name) {
  return name.rfind("trusted.overlay.", 0) == 0 || name.rfind("user.overlay.", 0) == 0;
}

// Sorted byte-wise: the same tree gives the same tar on every file system.
Result<std::vector<std::string>> sorted_names(int dirfd, const std::string& shown) {
  int copy = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (copy < 0) return sys_error("open {}", shown);
  DIR* d = ::fdopendir(copy);
  if (!d) {
    ::close(copy);
    return sys_error("opendir {}", shown);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return errno_error(err, "readdir {}", shown);
  std::sort(names.begin(), names.end());
  return names;
}

// The value of overlayfs's opaque marker on `fd`: a directory that hides
// everything below it in the lower layers.
bool is_opaque(int fd) {
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
    char value[4] = {};
    ssize_t n = ::fgetxattr(fd, name, value, sizeof value);
    if (n == 1 && value[0] == 'y') return true;
  }
  return false;
}

// The xattrs of `path` (relative to `dirfd`'s /proc path) that belong in
// a layer: all but overlayfs's own bookkeeping.
void add_xattrs(archive_entry* entry, const std::string& proc_path) {
  std::vector<char> names(4096);
  ssize_t n = ::llistxattr(proc_path.c_str(), names.data(), names.size());
  if (n <= 0) return;
  for (ssize_t at = 0; at < n;) {
    std::string name(names.data() + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    if (is_overlay_xattr(name)) continue;
    std::vector<char> value(65536);
    ssize_t len = ::lgetxattr(proc_path.c_str(), name.c_str(), value.data(), value.size());
    if (len >= 0) archive_entry_xattr_add_entry(entry, name.c_str(), value.data(), static_cast<size_t>(len));
  }
}

struct TarContext {
  const TarSink* sink;
  Error error{0, ""};
  bool failed = false;
};

la_ssize_t tar_write(archive*, void* data, const void* buf, size_t size) {
  auto* ctx = static_cast<TarContext*>(data);
  if (auto done = (*ctx->sink)(buf, size); !done) {
    ctx->error = std::move(done).error();
    ctx->failed = true;
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

class TarWalker {
 public:
  TarWalker(archive* out, TarContext& ctx) : out_(out), ctx_(ctx) {}

  Result<void> walk(int dirfd, const std::string& prefix, const std::string& shown) {
    for (const auto& name : TRY(sorted_names(dirfd, shown))) {
      TRY(add(dirfd, name, prefix + name, shown + "/" + name));
    }
    return ok();
  }

  unsigned long long entries() const { return entries_; }

 private:
  Result<void> header(archive_entry* entry, const std::string& shown) {
    if (archive_write_header(out_, entry) != ARCHIVE_OK) return failure("tar " + shown);
    ++entries_;
    return ok();
  }

  Error failure(const std::string& what) {
    if (ctx_.failed) return std::move(ctx_.error).wrap(what);
    return archive_failure(out_, what);
  }

  static EntryPtr entry_from(const struct stat& st, const std::string& name) {
    EntryPtr entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_uid(entry.get(), st.st_uid);
    archive_entry_set_gid(entry.get(), st.st_gid);
    archive_entry_set_perm(entry.get(), st.st_mode & 07777);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, 0);
    return entry;
  }

  Result<void> add(int dirfd, const std::string& base, const std::string& name,
                   const std::string& shown) {
    struct stat st;
    if (::fstatat(dirfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      return sys_error("stat {}", shown);
    }
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      // handout(build.whiteouts) begin: overlayfs's whiteout (a 0/0 character device: the file was deleted) becomes an empty file `.wh.NAME` in the tar
      std::string parent = name.substr(0, name.size() - base.size());
      EntryPtr entry = entry_from(st, parent + std::string(kWhiteoutPrefix) + base);
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), 0600);
      archive_entry_set_size(entry.get(), 0);
      return header(entry.get(), shown);
      // handout(build.whiteouts) stub:
      // return ok();
      // handout(build.whiteouts) end
    }
    if (S_ISSOCK(st.st_mode)) return ok();
    EntryPtr entry = entry_from(st, name);
    if (S_ISDIR(st.st_mode)) {
      Fd dir(::openat(dirfd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dir) return sys_error("open {}", shown);
      archive_entry_set_filetype(entry.get(), AE_IFDIR);
      add_xattrs(entry.get(), "/proc/self/fd/" + std::to_string(dir.get()));
      TRY(header(entry.get(), shown));
      if (is_opaque(dir.get())) {
        // Right after its directory, before anything it holds: a reader
        // clears the lower contents first, then adds this layer's.
        EntryPtr marker = entry_from(st, name + "/" + std::string(kOpaqueMarker));
        archive_entry_set_filetype(marker.get(), AE_IFREG);
        archive_entry_set_perm(marker.get(), st.st_mode & 0777);
        archive_entry_set_size(marker.get(), 0);
        TRY(header(marker.get(), shown + "/" + std::string(kOpaqueMarker)));
      }
      return walk(dir.get(), name + "/", shown);
    }
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(dirfd, base.c_str(), target.data(), target.size());
      if (n < 0) return sys_error("readlink {}", shown);
      target.resize(static_cast<size_t>(n));
      archive_entry_set_filetype(entry.get(), AE_IFLNK);
      archive_entry_set_symlink(entry.get(), target.c_str());
      return header(entry.get(), shown);
    }
    if (S_ISREG(st.st_mode)) return add_file(dirfd, base, name, shown, st, entry.get());
    // fifos and device nodes (other than whiteouts): the node itself.
    archive_entry_set_filetype(entry.get(), st.st_mode & S_IFMT);
    archive_entry_set_rdevmajor(entry.get(), major(st.st_rdev));
    archive_entry_set_rdevminor(entry.get(), minor(st.st_rdev));
    return header(entry.get(), shown);
  }

  Result<void> add_file(int dirfd, const std::string& base, const std::string& name,
                        const std::string& shown, const struct stat& st, archive_entry* entry) {
    archive_entry_set_filetype(entry, AE_IFREG);
    if (st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto first = links_.find(key);
      if (first != links_.end()) {
        archive_entry_set_hardlink(entry, first->second.c_str());
        archive_entry_set_size(entry, 0);
        return header(entry, shown);
      }
      links_.emplace(key, name);
    }
    Fd fd(::openat(dirfd, base.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return sys_error("open {}", shown);
    add_xattrs(entry, "/proc/self/fd/" + std::to_string(fd.get()));
    archive_entry_set_size(entry, st.st_size);
    TRY(header(entry, shown));
    std::vector<char> buf(1 << 16);
    long long left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error("read {}", shown);
      if (n == 0) return user_error("{} shrank while it was written into a layer", shown);
      n = std::min<ssize_t>(n, static_cast<ssize_t>(left));
      if (archive_write_data(out_, buf.data(), static_cast<size_t>(n)) < 0) {
        return failure("tar " + shown);
      }
      left -= n;
    }
    return ok();
  }

  archive* out_;
  TarContext& ctx_;
  unsigned long long entries_ = 0;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

Result<bool> upper_is_empty(const std::string& upper) {
  Fd dir(::open(upper.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return sys_error("open {}", upper);
  return TRY(sorted_names(dir.get(), upper)).empty();
}

Result<unsigned long long> write_upper_tar(const std::string& upper, const TarSink& sink) {
  TRY(load_libarchive());
  Fd dir(::open(upper.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return sys_error("open {}", upper);
  TarContext ctx{&sink};
  ArchivePtr out(archive_write_new(), archive_write_free);
  // pax_restricted: plain ustar headers unless a name, size or xattr
  // needs more, and then no atime or ctime in the extension.
  archive_write_set_format_pax_restricted(out.get());
  if (archive_write_open(out.get(), &ctx, nullptr, tar_write, nullptr) != ARCHIVE_OK) {
    return archive_failure(out.get(), "tar " + upper);
  }
  TarWalker walker(out.get(), ctx);
  TRY(walker.walk(dir.get(), "", upper));
  if (archive_write_close(out.get()) != ARCHIVE_OK) {
    if (ctx.failed) return std::move(ctx.error);
    return archive_failure(out.get(), "tar " + upper);
  }
  return walker.entries();
}

// The gzip side: a raw-format libarchive writer (one nameless "file", no
// tar around it) whose output goes into the blob.
struct LayerBlobWriter::State {
  BlobWriter blob;
  Digester diff;
  ArchivePtr gzip{nullptr, archive_write_free};
  Error error{0, ""};
  bool failed = false;
  long long gzip_size = 0;

  explicit State(BlobWriter b) : blob(std::move(b)) {}

  static la_ssize_t on_write(archive*, void* data, const void* buf, size_t size) {
    auto* self = static_cast<State*>(data);
    if (auto done = self->blob.write(buf, size); !done) {
      self->error = std::move(done).error();
      self->failed = true;
      return -1;
    }
    return static_cast<la_ssize_t>(size);
  }

  Error failure(const std::string& what) {
    if (failed) return std::move(error).wrap(what);
    return archive_failure(gzip.get(), what);
  }
};

LayerBlobWriter::LayerBlobWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
LayerBlobWriter::LayerBlobWriter(LayerBlobWriter&& other) noexcept = default;
LayerBlobWriter::~LayerBlobWriter() = default;

Result<LayerBlobWriter> LayerBlobWriter::begin(const Layout& layout) {
  TRY(load_libarchive());
  auto state = std::make_unique<State>(TRY(layout.begin_blob()));
  state->gzip.reset(archive_write_new());
  archive* a = state->gzip.get();
  archive_write_set_format_raw(a);
  archive_write_add_filter_gzip(a);
  // No time in the gzip header (RFC 1952 MTIME 0): the same tar, the same blob.
  archive_write_set_filter_option(a, "gzip", "timestamp", nullptr);
  // No zero padding after the gzip stream (libarchive pads to 10 KiB blocks).
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open(a, state.get(), nullptr, State::on_write, nullptr) != ARCHIVE_OK) {
    return archive_failure(a, "gzip layer");
  }
  EntryPtr entry(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(entry.get(), "layer.tar");
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  if (archive_write_header(a, entry.get()) != ARCHIVE_OK) return state->failure("gzip layer");
  return LayerBlobWriter(std::move(state));
}

Result<void> LayerBlobWriter::write(const void* data, size_t size) {
  state_->diff.update(data, size);
  if (archive_write_data(state_->gzip.get(), data, size) < 0) return state_->failure("gzip layer");
  return ok();
}

Result<void> LayerBlobWriter::finish() {
  if (archive_write_close(state_->gzip.get()) != ARCHIVE_OK) return state_->failure("gzip layer");
  diff_id_ = TRY(state_->diff.finish());
  long long size = state_->blob.size();
  std::string digest = TRY(state_->blob.commit({}, size));
  blob_ = Descriptor{std::string(kOciLayerGzip), digest, size};
  return ok();
}

}  // namespace pocker
