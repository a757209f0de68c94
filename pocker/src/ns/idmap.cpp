// Mount namespace, part 6: the root for root's --userns, through an
// idmapped mount.
//
// With --userns, root inside is a high uid outside, say 100000. The image
// on disk belongs to host uid 0, which the container's map does not
// contain: inside, every file would show as nobody (65534), and root could
// change none of them. Docker answers with a chowned copy of the image per
// range. pocker uses an idmapped mount (Linux 5.12): a view of the same
// directory in which the owners are translated through the container's
// user namespace, so on-disk uid 0 reads as 100000 outside and as 0 inside.
// overlayfs takes such a view as its lower layer (Linux 5.19).
//
// Who does what, and why:
//  - the parent (host root) makes the view: mount_setattr(MOUNT_ATTR_IDMAP)
//    needs privilege over the file system, which only the host's root has;
//  - the child, still host uid 0, attaches it and opens the upper and work
//    directories: they lie in pocker's state directory, which only host
//    root may enter;
//  - then it becomes the namespace's root (uid 100000 outside) and makes
//    the overlay from the open descriptors (/proc/self/fd/N), because the
//    overlay does its copy-ups with the rights of the one who mounted it.
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pocker/namespaces.hpp"
#include "pocker/root.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

std::string fd_path(const Fd& fd) { return "/proc/self/fd/" + std::to_string(fd.get()); }

Result<Fd> open_dir(const std::string& path) {
  Fd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open {}", path);
  return fd;
}

// move_mount(2) of a detached mount (`from`) onto the directory `onto`.
Result<void> attach(const Fd& from, int onto_dir, const char* onto_path, unsigned flags,
                    const std::string& what) {
  if (::syscall(SYS_move_mount, from.get(), "", onto_dir, onto_path,
                MOVE_MOUNT_F_EMPTY_PATH | flags) < 0) {
    return sys_error("move_mount {}", what);
  }
  trace("move_mount(fd {}, {}) = ok", from.get(), what);
  return ok();
}

// fsopen, fsconfig, fsmount: the overlay as a mount that we hold by a
// descriptor, so we can enter it without walking the host's paths.
Result<Fd> make_overlay(const Fd& lower, const Fd& upper, const Fd& work, bool volatile_upper) {
  Fd fs(static_cast<int>(::syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC)));
  if (!fs) return sys_error("fsopen overlay");
  for (const auto& [key, dir] : {std::pair{"lowerdir", &lower}, std::pair{"upperdir", &upper},
                                 std::pair{"workdir", &work}}) {
    std::string value = fd_path(*dir);
    if (::syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_STRING, key, value.c_str(), 0) < 0) {
      return sys_error("overlay {}={}", key, value);
    }
  }
  // As in mount_root(): no syncs for an upper layer deleted at exit. Every
  // kernel with idmapped layers (5.19) knows `volatile` (5.10).
  if (volatile_upper &&
      ::syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_FLAG, "volatile", nullptr, 0) < 0) {
    return sys_error("overlay volatile");
  }
  if (::syscall(SYS_fsconfig, fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    return sys_error("overlay lowerdir={},upperdir={},workdir={}", fd_path(lower),
                     fd_path(upper), fd_path(work));
  }
  Fd mount(static_cast<int>(::syscall(SYS_fsmount, fs.get(), FSMOUNT_CLOEXEC, 0)));
  if (!mount) return sys_error("fsmount overlay");
  trace("fsopen(\"overlay\"), fsconfig(lowerdir={}, upperdir={}, workdir={}{}), fsmount = fd {}",
        fd_path(lower), fd_path(upper), fd_path(work), volatile_upper ? ", volatile" : "",
        mount.get());
  return mount;
}

}  // namespace

Result<Fd> make_idmapped_tree(const std::string& dir, pid_t child) {
  Fd tree(static_cast<int>(
      ::syscall(SYS_open_tree, AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (!tree) return sys_error("open_tree {}", dir);
  std::string ns = "/proc/" + std::to_string(child) + "/ns/user";
  Fd userns(::open(ns.c_str(), O_RDONLY | O_CLOEXEC));
  if (!userns) return sys_error("open {}", ns);
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns.get());
  if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
    // EINVAL: a file system without idmapped mounts (tmpfs before 6.3).
    return sys_error("idmapped mount of {} (mount_setattr MOUNT_ATTR_IDMAP, Linux 5.12+)", dir);
  }
  trace("open_tree(\"{}\", OPEN_TREE_CLONE), mount_setattr(MOUNT_ATTR_IDMAP, {}) = fd {}", dir, ns,
        tree.get());
  return tree;
}

Result<void> mount_idmapped_root(const RootPlan& plan, Fd tree) {
  if (!tree) return user_error("no idmapped image arrived from pocker");
  // Still host uid 0: the only time the child can walk pocker's state dir.
  TRY(attach(tree, AT_FDCWD, plan.target.c_str(), 0, "idmapped image to " + plan.target));
  Fd upper, work;
  if (plan.overlay) {
    upper = TRY(open_dir(plan.dirs.upper));
    work = TRY(open_dir(plan.dirs.work));
  }
  TRY(become_namespace_root());
  if (!plan.overlay) {
    // --rootfs: the directory itself, seen through the map, is the root.
    if (::fchdir(tree.get()) < 0) return sys_error("fchdir {}", plan.target);
    return ok();
  }
  Fd overlay = TRY(make_overlay(tree, upper, work, plan.volatile_upper));
  // On top of the image's mount, where pivot_root will find it.
  TRY(attach(overlay, tree.get(), "", MOVE_MOUNT_T_EMPTY_PATH, "overlay to " + plan.target));
  if (::fchdir(overlay.get()) < 0) return sys_error("fchdir {}", plan.target);
  return ok();
}

}  // namespace pocker
