// Cgroup namespace: /proc/self/cgroup shows paths relative to the cgroup
// the process was in when the namespace was made. The child unshares it
// only after the parent moved it into the container's cgroup, so inside
// it sees `0::/` instead of the host's `0::/pocker/<id>`.
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount_fs.hpp"
#include "pocker/namespaces.hpp"
#include "pocker/root.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<void> cgroupns_enter() {
  // handout(lv1.cgroupns) begin: leave the host's cgroup namespace for a new one (unshare(2))
  if (::unshare(CLONE_NEWCGROUP) < 0) return sys_error("unshare(CLONE_NEWCGROUP)");
  trace("unshare(CLONE_NEWCGROUP) = ok");
  // handout(lv1.cgroupns) end
  return ok();
}

// The container sees its own cgroup, not the host's tree: each mount is
// made inside the new cgroup namespace, whose root is the container's
// cgroup. Read-only, or a root inside could raise its own limits.
Result<void> mount_cgroup_view(const std::string& root, const std::vector<CgroupMount>& mounts) {
  // handout(lv2.view) begin: mount each of `mounts` read-only at root/sys/fs/cgroup (v2: one cgroup2 mount; v1: a tmpfs, then one cgroup mount per hierarchy)
  if (mounts.empty()) return ok();
  const std::string base = root + "/sys/fs/cgroup";
  const unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (mounts.size() == 1 && mounts[0].dir.empty()) {
    return mount_fs(mounts[0].fstype, base, mounts[0].fstype.c_str(), flags, mounts[0].options);
  }
  TRY(mount_fs("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"));
  for (const auto& m : mounts) {
    std::string dir = base + "/" + m.dir;
    if (::mkdir(dir.c_str(), 0555) < 0) return sys_error("mkdir {}", dir);
    TRY(mount_fs(m.fstype, dir, m.fstype.c_str(), flags, m.options));
    for (const auto& link : m.links) {
      std::string path = base + "/" + link;
      if (::symlink(m.dir.c_str(), path.c_str()) < 0) return sys_error("symlink {}", path);
    }
  }
  return remount_read_only(base);
  // handout(lv2.view) stub:
  // (void)root;
  // (void)mounts;
  // return ok();
  // handout(lv2.view) end
}

}  // namespace pocker
