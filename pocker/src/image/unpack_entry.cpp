// One tar entry's checks and overlayfs forms (unpack_entry.hpp). These work
// on descriptors under the layer's root, never on host paths: a component
// that is a symlink stops the walk instead of being followed.
#include "unpack_entry.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <utility>
#include <vector>

namespace pocker {

Result<std::string> clean_entry_name(const char* raw, std::string_view what) {
  if (!raw) return user_error("layer entry without a {}", what);
  std::string_view name = raw;
  if (!name.empty() && name[0] == '/') {
    return user_error("layer entry {} \"{}\" is absolute", what, name);
  }
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view part = name.substr(start, slash - start);
    if (part == "..") {
      return user_error("layer entry {} \"{}\" leaves the layer (..)", what, name);
    }
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    start = slash + 1;
  }
  return out;
}

Result<Fd> open_dir_beneath(int root, std::string_view rel, bool create) {
  Fd dir(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  if (!dir) return sys_error("dup layer root");
  size_t start = 0;
  while (start < rel.size()) {
    size_t slash = rel.find('/', start);
    if (slash == std::string_view::npos) slash = rel.size();
    std::string part(rel.substr(start, slash - start));
    if (create && ::mkdirat(dir.get(), part.c_str(), 0755) < 0 && errno != EEXIST) {
      return sys_error("mkdir {} in the layer", rel.substr(0, slash));
    }
    Fd next(::openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) {
      // ELOOP is O_NOFOLLOW meeting a symlink: the write would go wherever
      // it points.
      if (errno == ELOOP || errno == ENOTDIR) {
        return errno_error(errno, "{} in the layer is not a directory (a symlink?)",
                           rel.substr(0, slash));
      }
      return sys_error("open {} in the layer", rel.substr(0, slash));
    }
    dir = std::move(next);
    start = slash + 1;
  }
  return dir;
}

Result<void> make_whiteout(int root, const std::string& parent, std::string_view victim) {
  std::string shown = parent.empty() ? std::string(victim) : parent + "/" + std::string(victim);
  if (victim.empty() || victim == "." || victim == "..") {
    return user_error("layer has a whiteout of \"{}\": refused", shown.empty() ? "" : shown);
  }
  Fd dir = TRY(open_dir_beneath(root, parent, true));
  std::string name(victim);
  struct stat st;
  if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    // The layer holds the name it also deletes: the whiteout wins for a
    // file, and a directory is a contradiction we do not try to resolve.
    if (S_ISDIR(st.st_mode))
      return user_error("layer has a whiteout of its own directory {}", shown);
    if (::unlinkat(dir.get(), name.c_str(), 0) < 0)
      return sys_error("unlink {} in the layer", shown);
  }
  // A 0/0 character device is a whiteout to overlayfs. Since Linux 5.8
  // anyone may make one (vfs_mknod lets whiteouts through without
  // CAP_MKNOD), so this works rootless too.
  if (::mknodat(dir.get(), name.c_str(), S_IFCHR | 0000, ::makedev(0, 0)) < 0) {
    return sys_error("make whiteout {} in the layer", shown);
  }
  return ok();
}

Result<void> make_opaque(int root, const std::string& dir, bool rootless) {
  Fd fd = TRY(open_dir_beneath(root, dir, true));
  const char* name = rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
  if (::fsetxattr(fd.get(), name, "y", 1, 0) < 0) {
    return sys_error("set {} on {} in the layer", name, dir.empty() ? "/" : dir);
  }
  return ok();
}

Result<void> check_hardlink_target(int root, const std::string& target) {
  if (target.empty()) return user_error("layer has a hardlink to its root directory");
  size_t slash = target.rfind('/');
  std::string parent = slash == std::string::npos ? "" : target.substr(0, slash);
  std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  auto dir = open_dir_beneath(root, parent, false);
  if (!dir && dir.error().err() == ENOENT) {
    return errno_error(ENOENT, "hardlink to {}: not a file of this layer", target);
  }
  if (!dir) return std::move(dir).error().wrap("hardlink to " + target);
  struct stat st;
  if (::fstatat(dir.value().get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    // A link to a file of a lower layer would need that file copied up
    // into this one; such layers are refused until that is done.
    return sys_error("hardlink to {}: not a file of this layer", target);
  }
  if (S_ISDIR(st.st_mode)) return user_error("layer has a hardlink to directory {}", target);
  return ok();
}

int drop_overlay_xattrs(struct archive_entry* entry) {
  std::vector<std::pair<std::string, std::string>> keep;
  int dropped = 0;
  archive_entry_xattr_reset(entry);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view n = name ? name : "";
    if (n.rfind("trusted.overlay.", 0) == 0 || n.rfind("user.overlay.", 0) == 0) {
      ++dropped;
      continue;
    }
    keep.emplace_back(std::string(n), std::string(static_cast<const char*>(value), size));
  }
  if (dropped == 0) return 0;
  archive_entry_xattr_clear(entry);
  for (const auto& [n, v] : keep)
    archive_entry_xattr_add_entry(entry, n.c_str(), v.data(), v.size());
  return dropped;
}

}  // namespace pocker
