// Mount namespace, part 1: private mounts, the root mount, pivot_root.
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "mount_fs.hpp"
#include "pocker/fs.hpp"
#include "pocker/root.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// mount(2)'s flags by name for --trace (`MS_REC|MS_PRIVATE`, not 0x44000).
std::string mount_flag_names(unsigned long flags) {
  static const std::pair<unsigned long, const char*> kNames[] = {
      {MS_RDONLY, "MS_RDONLY"},       {MS_NOSUID, "MS_NOSUID"},     {MS_NODEV, "MS_NODEV"},
      {MS_NOEXEC, "MS_NOEXEC"},       {MS_REMOUNT, "MS_REMOUNT"},   {MS_NOATIME, "MS_NOATIME"},
      {MS_NODIRATIME, "MS_NODIRATIME"}, {MS_BIND, "MS_BIND"},     {MS_MOVE, "MS_MOVE"},
      {MS_REC, "MS_REC"},             {MS_SILENT, "MS_SILENT"},     {MS_UNBINDABLE, "MS_UNBINDABLE"},
      {MS_PRIVATE, "MS_PRIVATE"},     {MS_SLAVE, "MS_SLAVE"},       {MS_SHARED, "MS_SHARED"},
      {MS_RELATIME, "MS_RELATIME"},   {MS_STRICTATIME, "MS_STRICTATIME"}};
  std::string names;
  for (const auto& [bit, name] : kNames) {
    if (!(flags & bit)) continue;
    names += (names.empty() ? "" : "|") + std::string(name);
    flags &= ~bit;
  }
  if (flags) names += (names.empty() ? "" : "|") + fmt::format("{:#x}", flags);
  return names.empty() ? "0" : names;
}

Result<void> do_mount(const std::string& source, const std::string& target, const char* fstype,
                      unsigned long flags, const std::string& data) {
  int rc = ::mount(source.c_str(), target.c_str(), fstype, flags,
                   data.empty() ? nullptr : data.c_str());
  if (rc < 0) {
    auto error = sys_error("mount {} on {} (type {})", source, target, fstype ? fstype : "none");
    trace("mount(\"{}\", \"{}\", \"{}\", {}, \"{}\") = {}", source, target,
          fstype ? fstype : "", mount_flag_names(flags), data, error.message());
    return error;
  }
  trace("mount(\"{}\", \"{}\", \"{}\", {}, \"{}\") = ok", source, target, fstype ? fstype : "",
        mount_flag_names(flags), data);
  return ok();
}

}  // namespace

Result<void> bind_read_only(const std::string& source, const std::string& target) {
  TRY(do_mount(source, target, nullptr, MS_BIND | MS_REC, ""));
  return remount_read_only(target);
}

Result<void> remount_read_only(const std::string& target) {
  // Keep the flags the kernel locked on the original mount (nosuid, nodev,
  // noexec): in a user namespace a remount that drops them is refused.
  struct statvfs st;
  unsigned long locked = 0;
  if (::statvfs(target.c_str(), &st) == 0) {
    if (st.f_flag & ST_NOSUID) locked |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) locked |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) locked |= MS_NOEXEC;
  }
  return do_mount("none", target, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | locked, "");
}

Result<void> mount_fs(const std::string& source, const std::string& target, const char* fstype,
                      unsigned long flags, const std::string& data) {
  return do_mount(source, target, fstype, flags, data);
}

Result<void> make_mounts_private() {
  // A new mount namespace starts with copies of the host's mounts, and on
  // systemd hosts they are "shared": mounts we make would propagate back
  // to the host, and pivot_root refuses to work on a shared mount.
  return do_mount("none", "/", nullptr, MS_REC | MS_PRIVATE, "");
}

Result<void> mount_scratch(const RootPlan& plan) {
  // Private to this mount namespace (made private above): the host and
  // other containers never see it, and no one has to unmount it.
  TRY(do_mount("tmpfs", plan.scratch, "tmpfs", 0, "mode=0700"));
  for (const std::string* dir : {&plan.dirs.upper, &plan.dirs.work, &plan.target}) {
    if (::mkdir(dir->c_str(), 0755) < 0) return sys_error("mkdir {}", *dir);
  }
  return ok();
}

std::string lowerdir_option(const std::vector<std::string>& layers) {
  std::string value;
  for (const auto& layer : layers) value += (value.empty() ? "" : ":") + layer;
  return value;
}

Result<void> mount_root(const RootPlan& plan) {
  // handout(lv1.overlay) begin: mount an overlay: the image read-only below, the container's upper and work dirs above
  if (plan.overlay) {
    std::string options = fmt::format("lowerdir={},upperdir={},workdir={}",
                                      lowerdir_option(plan.dirs.lowers), plan.dirs.upper,
                                      plan.dirs.work);
    if (plan.volatile_upper) {
      // Unmounting an overlay syncs its whole upper file system, and the
      // container's exit waits for that: tens of ms on a busy disk.
      // `volatile` (Linux 5.10, filesystems/overlayfs.rst) skips every
      // sync, right for an upper layer deleted at exit. Older kernels
      // refuse the option with EINVAL: mount without it.
      auto mounted = do_mount("overlay", plan.target, "overlay", 0, options + ",volatile");
      if (mounted || mounted.error().err() != EINVAL) return mounted;
    }
    return do_mount("overlay", plan.target, "overlay", 0, options);
  }
  // handout(lv1.overlay) stub:
  // if (plan.overlay) return do_mount(plan.dirs.lowers.front(), plan.target, nullptr, MS_BIND | MS_REC, "");
  // handout(lv1.overlay) end
  // pivot_root needs the new root to be a mount point: bind it onto itself.
  return do_mount(plan.source, plan.target, nullptr, MS_BIND | MS_REC, "");
}

Result<void> pivot_into(const std::string& root) {
  // handout(lv1.pivot) begin: make root the new "/" with pivot_root(2) and detach the old root: chroot can be escaped
  if (::chdir(root.c_str()) < 0) return sys_error("chdir {}", root);
  // pivot_root(".", ".") stacks the old root on top of the new one at "/";
  // unmounting "." then removes the old root, with no directory needed to
  // hold it (see pivot_root(2), NOTES).
  if (::syscall(SYS_pivot_root, ".", ".") < 0) return sys_error("pivot_root {}", root);
  trace("pivot_root(\".\", \".\") = ok");
  if (::umount2(".", MNT_DETACH) < 0) return sys_error("detach the old root");
  trace("umount2(\".\", MNT_DETACH) = ok");
  if (::chdir("/") < 0) return sys_error("chdir /");
  return ok();
  // handout(lv1.pivot) stub:
  // return enter_root_chroot(root);
  // handout(lv1.pivot) end
}

Result<void> enter_root(const RootPlan& plan, Fd image) {
  TRY(make_mounts_private());
  // Volumes first: with --userns, the steps after the root mount run as
  // the mapped root, which may not walk into root-only host directories;
  // and before the scratch tmpfs, which hides the state directory where
  // pocker wrote the container's /etc/hosts.
  auto sources = TRY(open_mount_sources(plan.mounts));
  if (!plan.scratch.empty()) TRY(mount_scratch(plan));
  std::string root = plan.target;
  if (plan.idmapped) {
    TRY(mount_idmapped_root(plan, std::move(image)));
    root = ".";  // we are in it; its host path may be out of our reach
  } else {
    TRY(mount_root(plan));
  }
  TRY(mount_proc(root, plan.new_pid_ns, !plan.privileged));
  TRY(mount_dev(root, plan.in_user_ns, plan.devices));
  TRY(mount_sys(root, plan.new_net_ns, !plan.privileged));
  TRY(mount_cgroup_view(root, plan.cgroup_mounts));
  if (plan.pivot) {
    TRY(pivot_into(root));
  } else {
    TRY(enter_root_chroot(root));
  }
  TRY(mount_user_mounts(plan.mounts, sources));
  if (plan.read_only) TRY(make_root_read_only());
  return ok();
}

}  // namespace pocker
