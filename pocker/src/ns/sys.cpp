// Mount namespace, part 4: /sys, read-only.
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "mount_fs.hpp"
#include "pocker/root.hpp"

namespace pocker {

Result<void> mount_sys(const std::string& root, bool new_net_ns) {
  std::string sys = root + "/sys";
  ::mkdir(sys.c_str(), 0555);
  // handout(lv1.sys) begin: mount sysfs read-only at root/sys (MS_RDONLY)
  auto mounted = mount_fs("sysfs", sys, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  // handout(lv1.sys) stub:
  // auto mounted = mount_fs("sysfs", sys, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  // handout(lv1.sys) end
  if (mounted) return ok();
  // sysfs may only be mounted by the owner of the network namespace; with
  // --network host in a user namespace, bind the host's read-only instead.
  if (new_net_ns || mounted.error().err() != EPERM) return mounted;
  return bind_read_only("/sys", sys);
}

}  // namespace pocker
