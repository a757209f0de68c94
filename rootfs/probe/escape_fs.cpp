// Escape attempts through the file system: device nodes of the host's disk,
// mounts, /proc files, cgroup v1's release_agent, descriptors and the working
// directory. See escape.h for the output contract.
#include "escape.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace probe::escape {

namespace {

// Closes on scope exit; the attempts have many early returns.
struct Fd {
  int fd;
  explicit Fd(int value) : fd(value) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// A scratch directory and whatever was made inside it, undone on scope exit
// in reverse order: unmount, remove the node, remove the directory.
struct Scratch {
  std::string dir, node, mount_point;
  bool mounted = false;
  explicit Scratch(const std::string& what) : dir(scratch_dir(what)) {}
  ~Scratch() {
    // MNT_DETACH: nothing may keep the host's disk mounted after we exit.
    if (mounted) umount2(mount_point.c_str(), MNT_DETACH);
    if (!mount_point.empty()) rmdir(mount_point.c_str());
    if (!node.empty()) unlink(node.c_str());
    if (!dir.empty()) rmdir(dir.c_str());
  }
};

unsigned parse_number(const std::string& text, const char* what) {
  long long value = 0;
  if (!parse_int(text, value) || value < 0 || value > UINT_MAX) {
    usage_error(std::string("bad ") + what + " '" + text + "'");
  }
  return static_cast<unsigned>(value);
}

// mknod a block device node for MAJ:MIN in the scratch directory. The device
// cgroup allows mknod ("b *:* m") but not open, as docker's does; CAP_MKNOD
// decides whether mknod itself works.
bool make_block_node(Scratch& scratch, const Args& args, Outcome& failed) {
  if (scratch.dir.empty()) {
    failed = failure("mkdir", errno);
    return false;
  }
  const dev_t dev = makedev(parse_number(args[0], "major"), parse_number(args[1], "minor"));
  scratch.node = scratch.dir + "/disk";
  if (mknod(scratch.node.c_str(), S_IFBLK | 0600, dev) != 0) {
    failed = failure("mknod", errno);
    failed.extra["step"] = "mknod";
    scratch.node.clear();
    return false;
  }
  return true;
}

// Reads at most `limit` bytes: /proc/kcore claims to be as large as the
// address space, so a whole-file read would never end.
std::string read_some(int fd, std::size_t limit, int& err) {
  std::string text;
  char buf[4096];
  err = 0;
  while (text.size() < limit) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace

Outcome mknod_open_disk(const Args& args) {
  Scratch scratch("disk");
  Outcome result;
  if (!make_block_node(scratch, args, result)) return result;
  Fd fd(open(scratch.node.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) {
    result = failure("open", errno);
    result.extra["step"] = "open";
    return result;
  }
  char block[512];
  const ssize_t n = read(fd.fd, block, sizeof block);
  if (n < 0) return failure("read", errno);
  result = success("read " + std::to_string(n) + " bytes of the disk");
  result.extra = {{"step", "read"}, {"bytes", n}};
  return result;
}

Outcome mount_disk(const Args& args) {
  Scratch scratch("mount-disk");
  Outcome result;
  if (!make_block_node(scratch, args, result)) return result;
  scratch.mount_point = scratch.dir + "/mnt";
  if (mkdir(scratch.mount_point.c_str(), 0700) != 0) {
    const int err = errno;
    scratch.mount_point.clear();
    return failure("mkdir", err);
  }
  const char* fstype = args[2].c_str();
  std::string how = "mounted read-only";
  if (mount(scratch.node.c_str(), scratch.mount_point.c_str(), fstype, MS_RDONLY, nullptr) != 0) {
    // A block device already mounted read-write refuses a read-only mount of
    // its superblock with EBUSY ("would change RO state"). Share the host's
    // superblock as it is, then make only our mount read-only at once.
    if (errno != EBUSY || mount(scratch.node.c_str(), scratch.mount_point.c_str(), fstype, 0, nullptr) != 0) {
      result = failure("mount", errno);
      result.extra["step"] = "mount";
      return result;
    }
    scratch.mounted = true;
    mount(nullptr, scratch.mount_point.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr);
    how = "mounted (sharing the host's read-write superblock), then remounted read-only";
  }
  scratch.mounted = true;
  Fd root(open(scratch.mount_point.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  const bool visible = root.fd >= 0 && faccessat(root.fd, args[3].c_str(), F_OK, 0) == 0;
  result = success(how + (visible ? "; the host's marker is visible" : "; the marker is not there"));
  result.extra = {{"step", "mount"}, {"marker_visible", visible}};
  return result;
}

Outcome mount_tmpfs(const Args&) {
  Scratch scratch("tmpfs");
  if (scratch.dir.empty()) return failure("mkdir", errno);
  scratch.mount_point = scratch.dir;  // the directory itself is the mount point
  if (mount("tmpfs", scratch.dir.c_str(), "tmpfs", 0, "size=64k") != 0) {
    const int err = errno;
    scratch.mount_point.clear();
    return failure("mount", err);
  }
  umount2(scratch.dir.c_str(), MNT_DETACH);
  scratch.mount_point.clear();  // rmdir happens through scratch.dir
  return success("mounted a tmpfs at " + scratch.dir);
}

Outcome umount_path(const Args& args) {
  // Unmasking only changes this container's mount namespace.
  if (umount2(args[0].c_str(), MNT_DETACH) != 0) return failure("umount2", errno);
  return success("unmounted " + args[0]);
}

Outcome write_file(const Args& args) {
  const std::string& path = args[0];
  // Write back exactly what is there, so even a success changes nothing on
  // the host (core_pattern is global, not per namespace).
  Fd in(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return failure("open for reading", errno);
  int err = 0;
  const std::string content = read_some(in.fd, 4096, err);
  if (err != 0) return failure("read", err);
  Fd out(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (out.fd < 0) return failure("open for writing", errno);
  if (content.empty()) return success("opened for writing; nothing to write back");
  if (!write_all(out.fd, content)) return failure("write", errno);
  return success("wrote back its " + std::to_string(content.size()) + " bytes unchanged");
}

Outcome read_path(const Args& args) {
  constexpr std::size_t kLimit = 64 * 1024;
  Fd fd(open(args[0].c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) return failure("open", errno);
  int err = 0;
  const std::string content = read_some(fd.fd, kLimit, err);
  if (err != 0 && content.empty()) return failure("read", err);
  // "ok" means the file showed something: a masked file reads as empty.
  Outcome result = content.empty() ? Outcome{false, 0, "read 0 bytes (masked or empty)"}
                                   : success("read " + std::to_string(content.size()) + " bytes");
  result.extra = {{"size", content.size()}, {"truncated", content.size() >= kLimit}};
  return result;
}

namespace {

// One try: mount a v1 hierarchy with `options` at a scratch directory, see
// whether its release_agent opens for writing, unmount.
Outcome try_cgroup_mount(const std::string& options) {
  Scratch scratch("cgroup");
  if (scratch.dir.empty()) return failure("mkdir", errno);
  if (mount("cgroup", scratch.dir.c_str(), "cgroup", 0, options.c_str()) != 0) {
    Outcome result = failure("mount", errno);
    result.extra = {{"options", options}, {"mounted", false}, {"release_agent_writable", false}};
    return result;
  }
  Fd agent(open((scratch.dir + "/release_agent").c_str(), O_WRONLY | O_CLOEXEC));
  Outcome result = agent.fd >= 0 ? success("mounted cgroup (" + options + "); release_agent opens for writing")
                                 : failure("open release_agent", errno);
  result.extra = {{"options", options}, {"mounted", true}, {"release_agent_writable", agent.fd >= 0}};
  close(agent.fd);
  agent.fd = -1;
  umount2(scratch.dir.c_str(), MNT_DETACH);
  return result;
}

// A new named hierarchy first (the kernel creates hierarchies only from the
// initial cgroup namespace), then every existing v1 hierarchy in which we sit
// at the root: mounted from a cgroup namespace, only those show the
// hierarchy's root, where release_agent lives.
std::vector<std::string> cgroup_candidates() {
  std::vector<std::string> options{"none,name=pocker-escape"};
  for (const std::string& line : split_lines(read_file("/proc/self/cgroup").value_or(""))) {
    // "ID:CONTROLLERS:PATH"; ID 0 is cgroup v2, which has no release_agent.
    const std::size_t first = line.find(':'), last = line.rfind(':');
    if (first == std::string::npos || first == last || line.starts_with("0:")) continue;
    if (line.substr(last + 1) != "/") continue;
    const std::string controllers = line.substr(first + 1, last - first - 1);
    options.push_back(controllers.starts_with("name=") ? "none," + controllers : controllers);
  }
  return options;
}

}  // namespace

Outcome cgroup_mount(const Args& args) {
  // CVE-2022-0492: a v1 hierarchy's root has a release_agent, the program
  // the kernel runs as host root when a cgroup of the hierarchy empties.
  // Mounting one needs CAP_SYS_ADMIN and the seccomp profile's leave to call
  // mount. We open release_agent for writing but never write it.
  const std::vector<std::string> candidates = args.empty() ? cgroup_candidates() : args;
  Outcome first;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    Outcome result = try_cgroup_mount(candidates[i]);
    if (result.ok) return result;
    if (i == 0) first = result;  // the plainest try's error speaks for the rest
  }
  return first;
}

Outcome fds(const Args&) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return failure("opendir /proc/self/fd", errno);
  json list = json::array();
  bool leaked = false;
  for (dirent* entry = readdir(dir); entry != nullptr; entry = readdir(dir)) {
    long long fd = 0;
    if (!parse_int(entry->d_name, fd) || fd == dirfd(dir)) continue;
    char target[PATH_MAX] = {};
    const ssize_t n = readlink(("/proc/self/fd/" + std::string(entry->d_name)).c_str(), target, sizeof target - 1);
    list.push_back({{"fd", fd}, {"target", n < 0 ? std::string("?") : std::string(target, static_cast<std::size_t>(n))}});
    if (fd > 2) leaked = true;
  }
  closedir(dir);
  Outcome result = leaked ? success("descriptors above 2 are open") : Outcome{false, 0, "only 0, 1 and 2 are open"};
  result.extra = {{"fds", list}};
  return result;
}

Outcome cwd(const Args&) {
  // The raw system call: glibc's getcwd() hides the kernel's "(unreachable)"
  // prefix behind ENOENT, and that prefix is what the lab wants to see.
  char path[PATH_MAX] = {};
  if (syscall(SYS_getcwd, path, sizeof path) < 0) return failure("getcwd", errno);
  const std::string text = path;
  struct stat here {}, named {};
  const bool reachable = text.starts_with("/") && stat(".", &here) == 0 && stat(text.c_str(), &named) == 0 &&
                         here.st_dev == named.st_dev && here.st_ino == named.st_ino;
  // "ok": the working directory lies outside the container's root.
  Outcome result = reachable ? Outcome{false, 0, "the working directory is inside the root"}
                             : success("the working directory is not reachable from the root");
  result.extra = {{"cwd", text}, {"reachable", reachable}};
  return result;
}

}  // namespace probe::escape
