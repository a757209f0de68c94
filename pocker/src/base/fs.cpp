#include "pocker/fs.hpp"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "pocker/fd.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<void> make_dirs(const std::string& path, mode_t mode) {
  if (path.empty()) return ok();
  // Most calls find the directory, or at least its parent, already there:
  // the whole path is tried first, and parents are made only when the
  // kernel says one is missing (ENOENT), instead of one mkdir per level.
  if (::mkdir(path.c_str(), mode) == 0) return ok();
  if (errno == ENOENT) {
    size_t end = path.find_last_not_of('/');
    size_t slash = end == std::string::npos ? std::string::npos : path.rfind('/', end);
    if (slash != std::string::npos && slash > 0) TRY(make_dirs(path.substr(0, slash), mode));
    if (::mkdir(path.c_str(), mode) == 0) return ok();
  }
  if (errno != EEXIST) return sys_error("mkdir {}", path);
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) return sys_error("stat {}", path);
  if (!S_ISDIR(st.st_mode)) return errno_error(ENOTDIR, "mkdir {}", path);
  return ok();
}

Result<std::string> make_temp_dir(const std::string& prefix) {
  std::string templ = prefix + "XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) return sys_error("mkdtemp {}", templ);
  return std::string(buf.data());
}

namespace {

// Removes `name` in `dirfd` and everything under it, without following
// symlinks and without crossing into another file system (a mount point
// inside, such as a bind mount, is an error, never emptied). `type` is the
// entry's d_type from the listing of `dirfd`, DT_UNKNOWN when not known:
// it spares a stat for files, and an empty directory goes with one rmdir
// (the kernel refuses a mount point with EBUSY, which the slow path below
// then reports). A --rm container's state directory is mostly such entries.
Result<void> remove_at(int dirfd, const std::string& name, const std::string& shown, dev_t dev,
                       unsigned char type = DT_UNKNOWN) {
  if (type != DT_UNKNOWN) {
    int flags = type == DT_DIR ? AT_REMOVEDIR : 0;
    if (::unlinkat(dirfd, name.c_str(), flags) == 0 || errno == ENOENT) return ok();
    if (type != DT_DIR && errno != EISDIR) return sys_error("unlink {}", shown);
  }
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return ok();
    return sys_error("stat {}", shown);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT) return sys_error("unlink {}", shown);
    return ok();
  }
  if (st.st_dev != dev) return errno_error(EBUSY, "remove {}: a mount point", shown);
  // overlayfs leaves work/work with mode 000; we own it, so open it up.
  if ((st.st_mode & S_IRWXU) != S_IRWXU) ::fchmodat(dirfd, name.c_str(), 0700, 0);
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  // Gone meanwhile: another remover of the same tree was quicker.
  if (fd < 0 && errno == ENOENT) return ok();
  if (fd < 0) return sys_error("open {}", shown);
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    auto error = sys_error("opendir {}", shown);
    ::close(fd);
    return error;
  }
  Result<void> result;
  std::vector<std::pair<std::string, unsigned char>> entries;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string child = entry->d_name;
    if (child != "." && child != "..") entries.emplace_back(child, entry->d_type);
  }
  for (const auto& [child, child_type] : entries) {
    result = remove_at(fd, child, shown + "/" + child, dev, child_type);
    if (!result) break;
  }
  ::closedir(dir);
  if (!result) return result;
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT) {
    return sys_error("rmdir {}", shown);
  }
  return ok();
}

}  // namespace

Result<void> remove_tree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return ok();
    return sys_error("stat {}", path);
  }
  return remove_at(AT_FDCWD, path, path, st.st_dev);
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

Result<std::string> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("open {}", path);
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read {}", path);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<void> write_file(const std::string& path, const std::string& data) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) {
    auto error = sys_error("open {}", path);
    trace("write {} \"{}\" = {}", path, data, error.message());
    return error;
  }
  ssize_t n = ::write(fd.get(), data.data(), data.size());
  if (n < 0 || static_cast<size_t>(n) != data.size()) {
    auto error = n < 0 ? sys_error("write {} \"{}\"", path, data)
                       : errno_error(EIO, "short write to {}", path);
    trace("write {} \"{}\" = {}", path, data, error.message());
    return error;
  }
  trace("write {} \"{}\" = ok", path, data);
  return ok();
}

Result<void> write_file_atomic(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) return sys_error("create {}", tmp);
    if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      auto error = sys_error("write {}", tmp);
      ::unlink(tmp.c_str());
      return error;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) < 0) {
    auto error = sys_error("rename {} to {}", tmp, path);
    ::unlink(tmp.c_str());
    return error;
  }
  return ok();
}

}  // namespace pocker
