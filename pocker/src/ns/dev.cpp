// Mount namespace, part 3: a minimal /dev.
//
// The host's /dev holds every disk and device of the machine. A container
// gets a fresh tmpfs with only the harmless character devices, its own
// devpts instance (so its ptys are invisible to the host and to other
// containers), and a private /dev/shm.
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>

#include "mount_fs.hpp"
#include "pocker/root.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

struct Device {
  const char* name;
  unsigned major, minor;
};

// Numbers from the kernel's Documentation/admin-guide/devices.txt.
constexpr std::array<Device, 6> kDevices = {{
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9},
    {"tty", 5, 0},
}};

Result<void> make_device(const std::string& dev, const Device& device, bool in_user_ns) {
  std::string path = dev + "/" + device.name;
  if (!in_user_ns) {
    if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(device.major, device.minor)) < 0) {
      return sys_error("mknod {}", path);
    }
    ::chmod(path.c_str(), 0666);  // mknod is subject to the umask
    trace("mknod(\"{}\", c {} {}) = ok", path, device.major, device.minor);
    return ok();
  }
  // A user namespace may not create device nodes (the kernel would have to
  // trust it with raw hardware); bind the host's node onto an empty file.
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0) return sys_error("create {}", path);
  ::close(fd);
  return mount_fs(std::string("/dev/") + device.name, path, nullptr, MS_BIND, "");
}

Result<void> make_link(const char* target, const std::string& path) {
  if (::symlink(target, path.c_str()) < 0 && errno != EEXIST) return sys_error("symlink {}", path);
  return ok();
}

}  // namespace

Result<void> mount_dev(const std::string& root, bool in_user_ns) {
  // handout(lv1.dev) begin: a tmpfs at root/dev with the devices in kDevices, a devpts of its own, shm and the fd links
  std::string dev = root + "/dev";
  ::mkdir(dev.c_str(), 0755);
  TRY(mount_fs("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
  for (const auto& device : kDevices) TRY(make_device(dev, device, in_user_ns));

  std::string pts = dev + "/pts";
  ::mkdir(pts.c_str(), 0755);
  // newinstance: a devpts of our own; ptmxmode lets the container open ptmx.
  TRY(mount_fs("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"));
  TRY(make_link("pts/ptmx", dev + "/ptmx"));

  std::string shm = dev + "/shm";
  ::mkdir(shm.c_str(), 01777);
  TRY(mount_fs("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k"));

  TRY(make_link("/proc/self/fd", dev + "/fd"));
  TRY(make_link("/proc/self/fd/0", dev + "/stdin"));
  TRY(make_link("/proc/self/fd/1", dev + "/stdout"));
  TRY(make_link("/proc/self/fd/2", dev + "/stderr"));
  // handout(lv1.dev) stub:
  // (void)root;
  // (void)in_user_ns;
  // (void)make_device;
  // (void)make_link;
  // handout(lv1.dev) end
  return ok();
}

}  // namespace pocker
