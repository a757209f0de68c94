/// @file
/// @brief The container's root filesystem (child side, mount namespace).
///
/// lv0 uses chroot. lv1 does it properly, in the container's own mount
/// namespace: make every mount private, mount the root (an overlay of the
/// image, or a bind mount of --rootfs), add /proc, /dev and /sys, hide the
/// dangerous /proc files, then pivot_root into it and detach the old root.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "pocker/devices.hpp"
#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/spec.hpp"

namespace pocker {

/// An overlay mount: the image read-only below, the container's writes above.
struct OverlayDirs {
  std::vector<std::string> lowers;  ///< the image's layers, top first, never written
  std::string upper;  ///< the container's changes
  std::string work;   ///< overlayfs scratch space, same file system as upper
};

/// One cgroup file system the container gets under /sys/fs/cgroup,
/// read-only: its own cgroup, seen through its cgroup namespace as `/`
/// (ContainerCgroup::views()). Programs read their limits there
/// (`memory.max`), as in any container.
struct CgroupMount {
  std::string fstype;   ///< "cgroup2", or "cgroup" for one v1 hierarchy
  std::string options;  ///< v1: the hierarchy's controllers, e.g. "cpu,cpuacct"
  std::string dir;      ///< below /sys/fs/cgroup; empty: /sys/fs/cgroup itself (v2)
  std::vector<std::string> links;  ///< v1, co-mounted: "cpu" and "cpuacct" -> `dir`
};

/// The value of overlayfs's `lowerdir=` option: `layers`, top first,
/// joined by `:` (the leftmost layer hides what lies below it).
std::string lowerdir_option(const std::vector<std::string>& layers);

/// How to build the root, decided by the parent from the spec.
struct RootPlan {
  std::string target;       ///< directory that becomes `/` (the overlay's mount point)
  std::string source;       ///< with no overlay: the directory to bind onto `target`
  bool overlay = false;     ///< mount `dirs` as an overlay on `target`
  OverlayDirs dirs;         ///< with `overlay`: the image, upper and work directories
  /// With `overlay`: the upper layer is thrown away when the container
  /// ends (--rm), so it need not survive a crash: overlayfs's `volatile`.
  bool volatile_upper = false;
  /// --rm: a tmpfs mounted on this directory, in the container's own mount
  /// namespace, holds the upper and work directories and the mount point
  /// (`dirs.upper`, `dirs.work` and `target` must be below it). Nothing is
  /// made or deleted on the store's disk, and the tmpfs goes away with the
  /// namespace. Empty: they are ordinary directories of the store.
  std::string scratch;
  bool pivot = true;        ///< false: --no-pivot, chroot instead (escapable)
  bool new_pid_ns = true;   ///< mount a fresh /proc (only right in a new PID namespace)
  bool new_net_ns = true;   ///< sysfs shows the network namespace it was mounted in
  bool in_user_ns = false;  ///< device nodes cannot be made: bind them from the host
  std::vector<MountSpec> mounts;  ///< -v and --tmpfs, mounted after pivot_root
  bool read_only = false;   ///< --read-only: remount `/` read-only at the end
  std::vector<CgroupMount> cgroup_mounts;  ///< after /sys: the container's cgroup, read-only
  bool idmapped = false;    ///< root with --userns: the image (or `source`) arrives idmapped
  bool privileged = false;  ///< --privileged: no masks, /sys writable
  std::vector<DeviceMapping> devices;  ///< --device (all host devices with --privileged): nodes in /dev
};

/// lv0: chroot(2) into `rootfs` and chdir("/").
///
/// chroot changes only how *this* process resolves `/`; a process that is
/// root inside can chroot again and climb out with `..` (the lv1 lesson
/// shows it). pivot_root in a mount namespace is the real fix.
Result<void> enter_root_chroot(const std::string& rootfs);

/// lv1: builds the root described by `plan` in the current (new) mount
/// namespace and enters it. Must run in the child, after clone(CLONE_NEWNS).
/// With plan.idmapped, `image` is the tree from make_idmapped_tree().
Result<void> enter_root(const RootPlan& plan, Fd image = Fd());

/// Changes into `cwd` inside the new root, creating it if missing (as
/// docker does for -w).
Result<void> enter_workdir(const std::string& cwd);

// The steps enter_root() runs, exposed for the lessons and tests.

/// mount --make-rprivate /: nothing we mount leaks back to the host.
Result<void> make_mounts_private();
/// With plan.scratch: mounts the tmpfs there and makes upper, work and the
/// mount point in it.
Result<void> mount_scratch(const RootPlan& plan);
/// Mounts the overlay (or bind-mounts the source) on plan.target.
Result<void> mount_root(const RootPlan& plan);
/// /proc, with the usual masked and read-only paths (none with `masks`
/// false: --privileged).
Result<void> mount_proc(const std::string& root, bool new_pid_ns, bool masks = true);
/// A minimal /dev: tmpfs with null, zero, full, random, urandom, tty,
/// a private devpts with ptmx, and shm; then a node for each of `extra`
/// (--device) at its container path, with the host node's mode and owner
/// (in a user namespace, the host node bound there instead).
Result<void> mount_dev(const std::string& root, bool in_user_ns,
                       const std::vector<DeviceMapping>& extra = {});
/// /sys, read-only, with the host's firmware and power controls masked
/// (writable and unmasked with `read_only` false: --privileged).
Result<void> mount_sys(const std::string& root, bool new_net_ns, bool read_only = true);
/// `mounts` at root/sys/fs/cgroup, all read-only. v1: a tmpfs holds one
/// directory per hierarchy, as on a v1 host. Must run after the cgroup
/// namespace is made, so each mount shows the container's cgroup as its root.
Result<void> mount_cgroup_view(const std::string& root, const std::vector<CgroupMount>& mounts);
/// pivot_root(".", ".") and detach the old root: the host's tree is gone.
Result<void> pivot_into(const std::string& root);
/// Opens every -v source (O_PATH) while the host's tree is still visible;
/// tmpfs entries get an empty Fd.
Result<std::vector<Fd>> open_mount_sources(const std::vector<MountSpec>& mounts);
/// After entering the root: mounts -v (from the fds) and --tmpfs targets.
Result<void> mount_user_mounts(const std::vector<MountSpec>& mounts, const std::vector<Fd>& sources);
/// --read-only: remounts the root mount read-only.
Result<void> make_root_read_only();

/// Parent side of root's --userns: a detached copy of the mount at `dir`
/// (open_tree) whose owners are seen through the user namespace of
/// `child` (mount_setattr MOUNT_ATTR_IDMAP, Linux 5.12). Host uid 0 on
/// disk is the container's root there.
Result<Fd> make_idmapped_tree(const std::string& dir, pid_t child);
/// Child side, with plan.idmapped and while still host uid 0: attaches
/// `image` at plan.target, becomes the user namespace's root, puts the
/// overlay on top (or, for --rootfs, uses the image as it is) and changes
/// into it. The rest of the setup then works relative to ".".
Result<void> mount_idmapped_root(const RootPlan& plan, Fd image);

}  // namespace pocker
