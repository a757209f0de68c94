// The OCI image layout's files and blobs (pocker/layout.hpp); its
// references, index.json, are in layout_index.cpp.
#include "pocker/layout.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "layout_files.hpp"
#include "pocker/fs.hpp"
#include "pocker/reference.hpp"

namespace pocker {
namespace {

using nlohmann::json;

constexpr std::string_view kLayoutVersion = "1.0.0";
constexpr size_t kCopyBuffer = 1 << 20;

Result<void> write_fully(int fd, const void* data, size_t size, const std::string& shown) {
  if (!write_all(fd, static_cast<const char*>(data), size)) return sys_error("write {}", shown);
  return ok();
}

}  // namespace

Result<Fd> lock_layout(const std::string& dir) {
  // The directory itself is the lock: nothing is added to the layout that
  // skopeo or umoci would have to know about.
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open {}", dir);
  while (::flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) return sys_error("flock {}", dir);
  }
  return fd;
}

Result<void> write_file_durable(const std::string& path, std::string_view data) {
  // A temporary name beside `path`, synced before the rename and the
  // directory after it: after a crash `path` holds the old text or the
  // new one, never a truncated one (ext4 and xfs may otherwise commit the
  // rename before the data).
  std::string temp = path + ".tmp-XXXXXX";
  Fd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return sys_error("create {}", temp);
  auto written = write_fully(fd.get(), data.data(), data.size(), temp);
  if (written && ::fchmod(fd.get(), 0644) < 0) written = sys_error("chmod {}", temp);
  if (written && ::fsync(fd.get()) < 0) written = sys_error("fsync {}", temp);
  if (written && ::rename(temp.c_str(), path.c_str()) < 0) {
    written = sys_error("rename {} to {}", temp, path);
  }
  if (!written) {
    ::unlink(temp.c_str());
    return written;
  }
  std::string dir = path.substr(0, path.rfind('/') + 1);
  return sync_dir(dir.empty() ? "." : dir);
}

Result<void> sync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open {}", dir);
  if (::fsync(fd.get()) < 0) return sys_error("fsync {}", dir);
  return ok();
}

Result<std::vector<std::string>> list_names(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return sys_error("opendir {}", dir);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return errno_error(err, "readdir {}", dir);
  return names;
}

Result<std::string> read_small_file(const std::string& path, size_t max) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("open {}", path);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return sys_error("stat {}", path);
  if (st.st_size < 0 || static_cast<unsigned long long>(st.st_size) > max) {
    return user_error("{}: {} bytes is more than the {} allowed", path, st.st_size, max);
  }
  std::string text;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read {}", path);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    // It may have grown since the fstat.
    if (text.size() > max) return user_error("{}: more than the {} bytes allowed", path, max);
  }
  return text;
}

Result<Layout> Layout::open(const std::string& dir) {
  TRY(make_dirs(dir, 0700));
  Fd lock = TRY(lock_layout(dir));
  std::string marker = dir + "/oci-layout";
  if (::access(marker.c_str(), F_OK) == 0) {
    std::string text = TRY(read_small_file(marker, kMaxDocumentSize));
    json j = json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("imageLayoutVersion") ||
        j["imageLayoutVersion"] != kLayoutVersion) {
      return user_error("{}: not an OCI image layout of version {}", marker, kLayoutVersion);
    }
  } else if (errno != ENOENT) {
    return sys_error("access {}", marker);
  } else if (!TRY(list_names(dir)).empty()) {
    return user_error("{} is not an OCI image layout (it has files but no oci-layout)", dir);
  } else {
    // oci-layout first: it marks the directory as ours, and a layout cut
    // short after it is completed by the steps below on the next open.
    json j = {{"imageLayoutVersion", kLayoutVersion}};
    TRY(write_file_durable(marker, j.dump()));
  }
  TRY(make_dirs(dir + "/blobs/sha256", 0755));
  // index.json's temporary files are made only under the lock we hold:
  // any found now were left by a pocker killed while writing one.
  for (const auto& name : TRY(list_names(dir))) {
    if (name.rfind("index.json.tmp-", 0) == 0) ::unlink((dir + "/" + name).c_str());
  }
  std::string index = dir + "/index.json";
  if (::access(index.c_str(), F_OK) < 0) {
    if (errno != ENOENT) return sys_error("access {}", index);
    json j = {{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", json::array()}};
    TRY(write_file_durable(index, j.dump()));
  }
  return Layout(dir);
}

Result<std::string> Layout::blob_path(std::string_view digest) const {
  TRY(check_digest(digest));
  return dir_ + "/blobs/sha256/" + digest_hex(digest);
}

bool Layout::has_blob(std::string_view digest) const {
  auto path = blob_path(digest);
  return path && ::access(path.value().c_str(), F_OK) == 0;
}

Result<BlobWriter> Layout::begin_blob() const {
  std::string dir = dir_ + "/blobs/sha256";
  Fd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd) return sys_error("open {}", dir);
  // An unnamed file: a pocker killed while writing leaves nothing behind,
  // and `umoci gc`, which takes every name in blobs/sha256 for a blob,
  // never sees a half-written one.
  Fd fd(::openat(dirfd.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
  if (fd) return BlobWriter(dir, std::move(dirfd), std::move(fd), "");
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return sys_error("open a temporary file in {}", dir);
  }
  // File systems without O_TMPFILE: a named temporary file at the top of
  // the layout (outside blobs/, for the same reason), renamed into place.
  std::string temp = dir_ + "/.pocker-blob-XXXXXX";
  fd = Fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return sys_error("create {}", temp);
  ::fchmod(fd.get(), 0644);
  return BlobWriter(dir, std::move(dirfd), std::move(fd), temp);
}

BlobWriter::~BlobWriter() {
  if (!committed_ && fd_.valid() && !temp_name_.empty()) ::unlink(temp_name_.c_str());
}

Result<void> BlobWriter::write(const void* data, size_t size) {
  if (committed_) return user_error("write to a committed blob in {}", dir_);
  digester_.update(data, size);
  return write_fully(fd_.get(), data, size, dir_ + "/(new blob)");
}

Result<std::string> BlobWriter::commit(std::string_view expect_digest, long long expect_size) {
  if (committed_) return user_error("blob in {} committed twice", dir_);
  std::string digest = TRY(digester_.finish());
  if (!expect_digest.empty() && digest != expect_digest) {
    return user_error("blob digest mismatch: expected {}, got {}", expect_digest, digest);
  }
  if (expect_size >= 0 && size() != expect_size) {
    return user_error("blob {}: size mismatch: expected {} bytes, got {}", digest, expect_size,
                      size());
  }
  if (::fsync(fd_.get()) < 0) return sys_error("fsync blob {}", digest);
  std::string hex = digest_hex(digest);
  std::string path = dir_ + "/" + hex;
  if (temp_name_.empty()) {
    // AT_EMPTY_PATH names the open file directly but needs
    // CAP_DAC_READ_SEARCH; the /proc/self/fd link works for everyone.
    int rc = ::linkat(fd_.get(), "", dirfd_.get(), hex.c_str(), AT_EMPTY_PATH);
    if (rc < 0 && errno == ENOENT) {
      std::string proc = "/proc/self/fd/" + std::to_string(fd_.get());
      rc = ::linkat(AT_FDCWD, proc.c_str(), dirfd_.get(), hex.c_str(), AT_SYMLINK_FOLLOW);
    }
    // Already there: a blob's name is its content, so the one present is
    // this one (readers check digests anyway).
    if (rc < 0 && errno != EEXIST) return sys_error("link blob {}", path);
  } else if (::renameat(AT_FDCWD, temp_name_.c_str(), dirfd_.get(), hex.c_str()) < 0) {
    return sys_error("rename {} to {}", temp_name_, path);
  }
  committed_ = true;
  if (::fsync(dirfd_.get()) < 0) return sys_error("fsync {}", dir_);
  return digest;
}

Result<Descriptor> Layout::put_blob(std::string_view data, std::string_view media_type) const {
  BlobWriter writer = TRY(begin_blob());
  TRY(writer.write(data));
  std::string digest = TRY(writer.commit({}, static_cast<long long>(data.size())));
  return Descriptor{std::string(media_type), digest, static_cast<long long>(data.size())};
}

Result<Descriptor> Layout::put_blob_from(int fd, const Descriptor& expect) const {
  TRY(check_digest(expect.digest));
  BlobWriter writer = TRY(begin_blob());
  std::vector<char> buf(kCopyBuffer);
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read blob {}", expect.digest);
    if (n == 0) break;
    TRY(writer.write(buf.data(), static_cast<size_t>(n)));
    if (expect.size >= 0 && writer.size() > expect.size) {
      return user_error("blob {} is longer than the {} bytes its descriptor says", expect.digest,
                        expect.size);
    }
  }
  TRY(writer.commit(expect.digest, expect.size));
  return Descriptor{expect.media_type, expect.digest, writer.size()};
}

Result<Fd> Layout::open_blob(std::string_view digest) const {
  std::string path = TRY(blob_path(digest));
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return errno_error(ENOENT, "blob {} not in {}", digest, dir_);
    return sys_error("open {}", path);
  }
  return fd;
}

Result<std::string> Layout::read_blob(const Descriptor& d, size_t max) const {
  std::string text = TRY(read_stored_blob(d, max));
  std::string digest = TRY(sha256_digest(text));
  if (digest != d.digest) {
    return user_error("blob {}: content has digest {} (corrupt store)", d.digest, digest);
  }
  return text;
}

Result<std::string> Layout::read_stored_blob(const Descriptor& d, size_t max) const {
  TRY(check_digest(d.digest));
  if (d.size < 0 || static_cast<unsigned long long>(d.size) > max) {
    return user_error("blob {}: size {} is out of range (at most {} bytes)", d.digest, d.size, max);
  }
  Fd fd = TRY(open_blob(d.digest));
  std::string text(static_cast<size_t>(d.size) + 1, '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read blob {}", d.digest);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got != static_cast<size_t>(d.size)) {
    return user_error("blob {}: size mismatch: expected {} bytes, found {}{}", d.digest, d.size,
                      got, got > static_cast<size_t>(d.size) ? " or more" : "");
  }
  text.resize(got);
  return text;
}

}  // namespace pocker
