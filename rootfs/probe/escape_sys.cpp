// Escape attempts through system calls that docker's seccomp profile and
// capability set guard: kernel modules, ptrace, the key store, namespaces,
// raw sockets and terminal injection; and `caps`, the view of all of it from
// /proc/self/status. See escape.h for the output contract.
#include "escape.h"

#include <fcntl.h>
#include <linux/keyctl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sched.h>

#include <cerrno>
#include <csignal>
#include <cstdint>

namespace probe::escape {

namespace {

// Waits for a child made by a raw clone; it only ever calls _exit(0).
Outcome reap(long pid, const char* call) {
  if (pid < 0) return failure(call, errno);
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(static_cast<pid_t>(pid), &status, __WALL);
  return success(std::string(call) + " made a child");
}

}  // namespace

Outcome finit_module(const Args&) {
  // An empty file is no module: a kernel that lets us past its permission
  // check fails to parse it (EINVAL/ENOEXEC) and loads nothing.
  const int fd = memfd_create("pocker-probe-module", MFD_CLOEXEC);
  if (fd < 0) return failure("memfd_create", errno);
  const long ret = syscall(SYS_finit_module, fd, "", 0);
  const int err = ret < 0 ? errno : 0;
  close(fd);
  Outcome result;
  if (err == EPERM) {
    result = failure("finit_module", err);
    result.extra["verdict"] = "blocked";
  } else if (err == ENOSYS) {
    result = failure("finit_module", err);
    result.extra["verdict"] = "no module support";
  } else {
    result = success("the kernel read the module: " + (err ? errno_name(err) : std::string("loaded?!")));
    result.extra["verdict"] = "parsed";
    result.extra["parse_errno"] = errno_name(err);
  }
  return result;
}

Outcome ptrace_pid(const Args& args) {
  long long pid = 0;
  if (!parse_int(args[0], pid) || pid <= 0) usage_error("bad pid '" + args[0] + "'");
  if (ptrace(PTRACE_ATTACH, static_cast<pid_t>(pid), nullptr, nullptr) != 0) return failure("PTRACE_ATTACH", errno);
  // The tracee stops; let it go at once and untouched.
  int status = 0;
  waitpid(static_cast<pid_t>(pid), &status, __WALL);
  ptrace(PTRACE_DETACH, static_cast<pid_t>(pid), nullptr, nullptr);
  return success("attached to and detached from pid " + args[0]);
}

Outcome add_key(const Args&) {
  // The kernel key store is not namespaced: a key added here sits in the
  // host's user keyring quota. seccomp forbids add_key/keyctl/request_key.
  const std::string description = "pocker-probe-" + std::to_string(getpid());
  const long id = syscall(SYS_add_key, "user", description.c_str(), "probe", 5, KEY_SPEC_SESSION_KEYRING);
  if (id < 0) return failure("add_key", errno);
  syscall(SYS_keyctl, KEYCTL_INVALIDATE, id);  // leave nothing behind
  return success("added key " + std::to_string(id) + " (invalidated again)");
}

Outcome keyctl(const Args&) {
  const long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (id < 0) return failure("keyctl", errno);
  return success("session keyring " + std::to_string(id));
}

Outcome unshare_user(const Args&) {
  // A new user namespace hands root-in-namespace capabilities to anyone and
  // opens kernel code that is otherwise out of reach.
  if (unshare(CLONE_NEWUSER) != 0) return failure("unshare(CLONE_NEWUSER)", errno);
  return success("made a user namespace");
}

Outcome clone_newns(const Args&) {
  // Fork-like raw clone (no new stack): the child shares nothing it touches.
  // The seccomp profile filters clone's flags argument for namespace bits.
  return reap(syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, nullptr, nullptr, nullptr, 0), "clone(CLONE_NEWNS)");
}

Outcome clone3(const Args&) {
  // clone3 passes its flags in memory, which seccomp cannot inspect, so the
  // profile answers ENOSYS and libc falls back to clone. The first eight
  // 64-bit fields of struct clone_args (CLONE_ARGS_SIZE_VER0).
  std::uint64_t args[8] = {};
  args[4] = SIGCHLD;  // exit_signal
  return reap(syscall(SYS_clone3, args, sizeof args), "clone3");
}

Outcome packet_socket(const Args&) {
  // Raw packets let a container forge traffic on its network; needs NET_RAW.
  const int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) return failure("socket(AF_PACKET, SOCK_RAW)", errno);
  close(fd);
  return success("opened an AF_PACKET socket");
}

Outcome tiocsti(const Args&) {
  // TIOCSTI pushes a byte into a terminal's input, as if typed: into the
  // host's shell, if the container holds the host's terminal as its
  // controlling one. A space, in case it ever lands in a real shell.
  const char byte = ' ';
  std::string target = "fd 0";
  int fd = 0;
  int opened = -1;
  if (!isatty(0)) {
    target = "/dev/tty";
    opened = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (opened < 0) {
      Outcome result = failure("open /dev/tty (fd 0 is no terminal)", errno);
      result.extra["target"] = target;
      return result;
    }
    fd = opened;
  }
  const int ret = ioctl(fd, TIOCSTI, &byte);
  const int err = errno;
  if (opened >= 0) close(opened);
  Outcome result = ret == 0 ? success("injected a byte into " + target) : failure("ioctl(TIOCSTI) on " + target, err);
  result.extra["target"] = target;
  return result;
}

Outcome caps(const Args&) {
  int err = 0;
  const std::optional<std::string> status = read_file("/proc/self/status", &err);
  if (!status) return failure("read /proc/self/status", err);
  Outcome result = success("read /proc/self/status");
  for (const std::string& line : split_lines(*status)) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const std::string value = trim(line.substr(colon + 1));
    if (key.starts_with("Cap")) {
      result.extra[key] = value;  // hex, as the kernel prints it
    } else if (key == "NoNewPrivs" || key == "Seccomp") {
      long long number = -1;
      parse_int(value, number);
      result.extra[key] = number;
    }
  }
  result.extra["uid"] = getuid();
  result.extra["euid"] = geteuid();
  return result;
}

}  // namespace probe::escape
