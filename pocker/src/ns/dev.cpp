// Mount namespace, part 3: a minimal /dev.
//
// The host's /dev holds every disk and device of the machine. A container
// gets a fresh tmpfs with only the harmless character devices, its own
// devpts instance (so its ptys are invisible to the host and to other
// containers), and a private /dev/shm. `--device` adds nodes of its own.
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

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

// The directory that will hold `path` (absolute, inside the container),
// made as needed below `root`, and the last name of `path`. Each level is
// opened with O_NOFOLLOW: a link in the image (or /dev/fd, ours) must not
// send a device node out of the container.
Result<std::pair<Fd, std::string>> open_parent(const std::string& root, const std::string& path) {
  Fd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return sys_error("open {}", root);
  std::vector<std::string> names;
  for (size_t start = 0; start < path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) names.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  for (const auto& name : names) {
    if (name == "." || name == "..") return user_error("device path {}: no . or .. allowed", path);
  }
  if (names.empty()) return user_error("device path \"{}\": no file name", path);
  std::string walked = root;
  for (size_t i = 0; i + 1 < names.size(); ++i) {
    walked += "/" + names[i];
    if (::mkdirat(dir.get(), names[i].c_str(), 0755) < 0 && errno != EEXIST) {
      return sys_error("mkdir {}", walked);
    }
    Fd next(::openat(dir.get(), names[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) return sys_error("open {} (a link is not followed)", walked);
    dir = std::move(next);
  }
  return std::pair<Fd, std::string>(std::move(dir), names.back());
}

// mknodat(2) that replaces what is there (a --device may take the place of
// a standard node, as docker allows).
int make_node(int dir, const std::string& name, mode_t mode, dev_t number) {
  if (::mknodat(dir, name.c_str(), mode, number) == 0) return 0;
  if (errno != EEXIST || ::unlinkat(dir, name.c_str(), 0) < 0) return -1;
  return ::mknodat(dir, name.c_str(), mode, number);
}

// A --device node at its container path, like the host's.
Result<void> make_mapped(const std::string& root, const DeviceMapping& m, bool in_user_ns) {
  std::string path = root + m.container_path;
  auto [dir, name] = TRY(open_parent(root, m.container_path));
  if (!in_user_ns) {
    mode_t type = m.type == 'b' ? S_IFBLK : S_IFCHR;
    if (make_node(dir.get(), name, type | m.mode, makedev(m.major, m.minor)) < 0) {
      return sys_error("mknod {}", path);
    }
    // mknod is subject to the umask; the owner is the host node's, so the
    // same users and groups may open it.
    if (::fchmodat(dir.get(), name.c_str(), m.mode, 0) < 0) return sys_error("chmod {}", path);
    if (::fchownat(dir.get(), name.c_str(), m.uid, m.gid, AT_SYMLINK_NOFOLLOW) < 0) {
      return sys_error("chown {}", path);
    }
    trace("mknod(\"{}\", {} {} {}, {:o}) = ok", path, m.type, m.major, m.minor, m.mode);
    return ok();
  }
  // In a user namespace mknod of a device is refused (as for the standard
  // nodes above): bind the host's node onto an empty file. The target is
  // named through /proc/self/fd so that the mount lands on the file just
  // made, whatever path resolution would do.
  if (make_node(dir.get(), name, S_IFREG | 0600, 0) < 0) return sys_error("create {}", path);
  Fd file(::openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!file) return sys_error("open {}", path);
  return mount_fs(m.host_path, fmt::format("/proc/self/fd/{}", file.get()), nullptr, MS_BIND, "")
      .wrap("--device " + m.container_path);
}

}  // namespace

Result<void> mount_dev(const std::string& root, bool in_user_ns,
                       const std::vector<DeviceMapping>& extra) {
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
  // --device: after the standard nodes, so a mapping may replace one.
  for (const auto& mapping : extra) TRY(make_mapped(root, mapping, in_user_ns));
  return ok();
}

}  // namespace pocker
