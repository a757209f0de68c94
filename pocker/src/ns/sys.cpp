// Mount namespace, part 4: /sys, read-only.
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <array>

#include "mount_fs.hpp"
#include "pocker/root.hpp"

namespace pocker {
namespace {

// Firmware tables and the power-capping controls of the host (docker's
// list): masked like the /proc files (ns/proc.cpp).
constexpr std::array<const char*, 2> kMasked = {"/sys/firmware", "/sys/devices/virtual/powercap"};

Result<void> mask_sys(const std::string& root) {
  for (const char* path : kMasked) TRY(mask(root + path));
  return ok();
}

}  // namespace

Result<void> mount_sys(const std::string& root, bool new_net_ns, bool read_only) {
  std::string sys = root + "/sys";
  ::mkdir(sys.c_str(), 0555);
  if (!read_only) {
    // --privileged: writable, unmasked, as docker does.
    return mount_fs("sysfs", sys, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  }
  // handout(lv1.sys) begin: mount sysfs read-only at root/sys (MS_RDONLY)
  auto mounted = mount_fs("sysfs", sys, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  // handout(lv1.sys) stub:
  // auto mounted = mount_fs("sysfs", sys, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  // handout(lv1.sys) end
  if (mounted) return mask_sys(root);
  // sysfs may only be mounted by the owner of the network namespace; with
  // --network host in a user namespace, bind the host's read-only instead.
  if (new_net_ns || mounted.error().err() != EPERM) return mounted;
  TRY(bind_read_only("/sys", sys));
  return mask_sys(root);
}

}  // namespace pocker
