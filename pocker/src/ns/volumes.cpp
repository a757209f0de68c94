// Mount namespace, part 5: the user's mounts (-v, --tmpfs), the image's
// anonymous volumes, and --read-only.
//
// A -v source is cloned with open_tree(OPEN_TREE_CLONE) *before*
// pivot_root, while the host's tree is still visible: that gives a detached
// copy of the bind mount, held by a file descriptor. After pivot_root it is
// attached with move_mount(2) (both Linux 5.2). The target is resolved
// inside the container's root, so a symlink in the image (say /data ->
// /etc) can only ever point at the container's own /etc. (A plain bind
// from /proc/self/fd/N fails here: its mount was detached with the old root.)
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount_fs.hpp"
#include "pocker/fs.hpp"
#include "pocker/root.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<std::vector<Fd>> open_mount_sources(const std::vector<MountSpec>& mounts) {
  std::vector<Fd> sources;
  for (const auto& m : mounts) {
    if (m.type != "bind" && m.type != "volume" && m.type != "generated") {
      sources.emplace_back();
      continue;
    }
    // A file pocker makes (/etc/hosts): bound when it was made.
    if (m.type == "generated" && ::access(m.source.c_str(), F_OK) < 0) {
      sources.emplace_back();
      continue;
    }
    // An anonymous volume (an image's Volumes): a directory of the
    // container's own, made on first use, then bound like -v.
    if (m.type == "volume") TRY(make_dirs(m.source, 0755));
    Fd fd(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, m.source.c_str(),
                                     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
    if (!fd) return sys_error("open_tree volume source {}", m.source);
    trace("open_tree(\"{}\", OPEN_TREE_CLONE) = {}", m.source, fd.get());
    sources.push_back(std::move(fd));
  }
  return sources;
}

// Makes `target` (an absolute path inside the new root) as a directory, or
// as an empty file when a file is bound onto it.
Result<void> make_mount_point(const std::string& target, bool file) {
  std::string parent = target.substr(0, target.rfind('/'));
  TRY(make_dirs(parent.empty() ? "/" : parent, 0755));
  if (!file) return make_dirs(target, 0755);
  int fd = ::open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return sys_error("create mount point {}", target);
  ::close(fd);
  return ok();
}

Result<void> mount_user_mounts(const std::vector<MountSpec>& mounts, const std::vector<Fd>& sources) {
  for (size_t i = 0; i < mounts.size(); ++i) {
    const auto& m = mounts[i];
    if (m.type == "tmpfs") {
      TRY(make_mount_point(m.target, false));
      TRY(mount_fs("tmpfs", m.target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"));
      continue;
    }
    if (!sources[i]) continue;  // a generated file that was not made
    struct stat st;
    if (::fstat(sources[i].get(), &st) < 0) return sys_error("stat volume source {}", m.source);
    TRY(make_mount_point(m.target, !S_ISDIR(st.st_mode)));
    if (::syscall(SYS_move_mount, sources[i].get(), "", AT_FDCWD, m.target.c_str(),
                  MOVE_MOUNT_F_EMPTY_PATH) < 0) {
      return sys_error("move_mount volume {} to {}", m.source, m.target);
    }
    trace("move_mount(fd {}, \"{}\") = ok", sources[i].get(), m.target);
    if (m.read_only) TRY(remount_read_only(m.target));
  }
  return ok();
}

Result<void> make_root_read_only() {
  // Only the root mount itself: /proc, /dev, volumes and tmpfs mounts below
  // it keep their own flags, as with docker --read-only.
  return mount_fs("none", "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, "");
}

}  // namespace pocker
