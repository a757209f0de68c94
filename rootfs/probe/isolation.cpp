// Commands that test whether isolation holds: the classic chroot escape
// (defeated by pivot_root plus a mount namespace) and System V shared memory
// (separated by IPC namespaces).
#include "probe.h"

#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace probe {

namespace {

std::string failure(const char* call, int err) { return std::string(call) + ": " + error_text(err); }

// shm keys are 32-bit; accept both signed ("-1") and unsigned ("0xdeadbeef")
// spellings and wrap them the way the kernel sees them.
key_t parse_key(const std::string& text) {
  long long value = 0;
  if (!parse_int(text, value) || value < INT32_MIN || value > static_cast<long long>(UINT32_MAX)) {
    usage_error("bad key '" + text + "' (decimal or 0x-hex 32-bit integer)");
  }
  return static_cast<key_t>(static_cast<std::uint32_t>(value));
}

}  // namespace

int cmd_breakout(const Args& args) {
  const std::string& marker = args[0];
  const std::string name = ".probe-breakout-" + std::to_string(getpid());

  // Make a scratch directory to chroot into: in / if it is writable, else in
  // /tmp. Keep an fd to its parent so we can remove it at the end no matter
  // where our root has moved to by then.
  int parent_fd = -1;
  std::string scratch;
  std::string error;
  for (const std::string parent : {"/", "/tmp/"}) {
    int fd = open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      error = failure("open", errno);
      continue;
    }
    if (mkdirat(fd, name.c_str(), 0700) == 0) {
      parent_fd = fd;
      scratch = parent + name;
      error.clear();
      break;
    }
    error = failure("mkdir", errno);
    close(fd);
  }
  if (parent_fd < 0) {
    print_json({{"chroot_ok", false}, {"escaped", false}, {"error", error}});
    return 0;
  }

  // chroot() without chdir(): the working directory now lies outside the new
  // root. The kernel stops ".." only when a walk reaches the root itself, and
  // a walk starting above it never does, so enough ".." steps climb to the
  // top of the mount namespace. chroot(".") then makes that our root.
  // pivot_root plus unmounting the old root leaves nothing above to reach.
  bool chroot_ok = chroot(scratch.c_str()) == 0;
  if (!chroot_ok) {
    error = failure("chroot", errno);
  } else {
    for (int i = 0; i < 1024 && error.empty(); ++i) {
      if (chdir("..") != 0) error = failure("chdir", errno);
    }
    if (error.empty() && chroot(".") != 0) error = failure("chroot", errno);
  }

  // The marker is a file the lab placed outside the container's filesystem;
  // seeing it means we got out.
  bool escaped = chroot_ok && access(marker.c_str(), F_OK) == 0;

  unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR);  // best effort
  close(parent_fd);

  print_json({{"chroot_ok", chroot_ok},
              {"escaped", escaped},
              {"error", error.empty() ? json(nullptr) : json(error)}});
  return 0;
}

int cmd_shm_create(const Args& args) {
  key_t key = parse_key(args[0]);
  int id = shmget(key, 4096, IPC_CREAT | 0600);
  if (id < 0) {
    int err = errno;
    print_json({{"shmid", nullptr}, {"errno", errno_name(err)}});
    return 1;
  }
  // The segment outlives this process on purpose: a second probe, in the same
  // or another IPC namespace, then looks for it with shm-find.
  print_json({{"shmid", id}});
  return 0;
}

int cmd_shm_find(const Args& args) {
  key_t key = parse_key(args[0]);
  int id = shmget(key, 0, 0);
  int err = errno;
  print_json({{"found", id >= 0}, {"errno", id >= 0 ? json(nullptr) : json(errno_name(err))}});
  return 0;
}

}  // namespace probe
