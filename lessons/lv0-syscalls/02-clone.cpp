// lv0 step 2: clone3, the system call that fork is built on, with flags.
//
//   build/lessons/lv0-02-clone              no flags: behaves like fork
//   build/lessons/lv0-02-clone uts          a new UTS namespace (needs root)
//   build/lessons/lv0-02-clone uts pid      ... and a new PID namespace (needs root)
//
// Flag names: uts ipc pid net mnt user (see kNamespaces below).
// Man pages: clone(2) (it documents clone3 and struct clone_args), namespaces(7),
// uts_namespaces(7), pid_namespaces(7).
#include <errno.h>
#include <linux/sched.h>  // struct clone_args, CLONE_* flags
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>  // SYS_clone3
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace {

struct Namespace {
  const char* name;       // the word on our command line, and the file in /proc/self/ns/
  uint64_t flag;          // the clone flag that gives the child a new one
  const char* flag_name;  // for printing
};

constexpr Namespace kNamespaces[] = {
    {"uts", CLONE_NEWUTS, "CLONE_NEWUTS"}, {"ipc", CLONE_NEWIPC, "CLONE_NEWIPC"},
    {"pid", CLONE_NEWPID, "CLONE_NEWPID"}, {"net", CLONE_NEWNET, "CLONE_NEWNET"},
    {"mnt", CLONE_NEWNS, "CLONE_NEWNS"},   {"user", CLONE_NEWUSER, "CLONE_NEWUSER"},
};
constexpr int kCount = sizeof kNamespaces / sizeof kNamespaces[0];

// Every namespace a process is in shows up as a link in /proc/self/ns/, such
// as `uts:[4026531838]`. Two processes are in the same namespace exactly when
// the numbers (inode numbers) are equal.
std::string namespace_id(const char* name) {
  std::string path = std::string("/proc/self/ns/") + name;
  char target[64] = {};
  ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
  return n < 0 ? std::string("?") : std::string(target, static_cast<size_t>(n));
}

// "CLONE_NEWUTS|CLONE_NEWPID", or "0" for no flags.
std::string flags_string(uint64_t flags) {
  std::string out;
  for (const Namespace& ns : kNamespaces) {
    if (!(flags & ns.flag)) continue;
    if (!out.empty()) out += '|';
    out += ns.flag_name;
  }
  return out.empty() ? std::string("0") : out;
}

std::string hostname() {
  char name[65] = {};  // HOST_NAME_MAX is 64
  gethostname(name, sizeof name - 1);
  return name;
}

// What the child runs. `parent_ns` was filled in by the parent *before* clone3:
// without CLONE_VM the child works on a copy of the parent's memory, so it can
// simply read the parent's variables (changing them would change only its copy).
int child_main(uint64_t flags, const std::string (&parent_ns)[kCount]) {
  // With CLONE_NEWPID the child is pid 1 of its new namespace, and its parent
  // is outside that namespace, so getppid() returns 0.
  std::printf("child: getpid() = %d, getppid() = %d, getuid() = %d\n", getpid(), getppid(),
              getuid());
  for (int i = 0; i < kCount; ++i) {
    std::string id = namespace_id(kNamespaces[i].name);
    std::printf("child: %-4s namespace %s (%s)\n", kNamespaces[i].name, id.c_str(),
                id == parent_ns[i] ? "same as the parent's" : "new");
  }
  if (flags & CLONE_NEWUTS) {
    // The hostname lives in the UTS namespace. In our own one we may change it
    // without touching the host's. (Without CLONE_NEWUTS, as root, this would
    // rename the whole machine, so we only do it in a new namespace.)
    const char name[] = "lv0-child";
    if (sethostname(name, sizeof name - 1) < 0) {
      std::printf("child: sethostname: %s\n", strerror(errno));
      return 1;
    }
  }
  std::printf("child: hostname %s\n", hostname().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t flags = 0;
  for (int i = 1; i < argc; ++i) {
    bool known = false;
    for (const Namespace& ns : kNamespaces) {
      if (std::string(argv[i]) != ns.name) continue;
      flags |= ns.flag;
      known = true;
    }
    if (!known) {
      std::fprintf(stderr, "usage: %s [uts] [ipc] [pid] [net] [mnt] [user]\n", argv[0]);
      return 2;
    }
  }
  const std::string flag_names = flags_string(flags);

  // Remember our own namespaces and hostname, to compare with the child's.
  std::string parent_ns[kCount];
  for (int i = 0; i < kCount; ++i) parent_ns[i] = namespace_id(kNamespaces[i].name);
  const std::string parent_hostname = hostname();
  std::printf("parent: pid %d, hostname %s\n", getpid(), parent_hostname.c_str());

  // clone3 takes its arguments in a struct, so new fields can be added later
  // (glibc has no wrapper for it in Debian 12, so we call it with syscall(2)).
  struct clone_args args {};  // all zero: no flags, no new stack, no tls
  args.flags = flags;
  // The signal the kernel sends us when the child dies. SIGCHLD makes the
  // child an ordinary child that waitpid() can wait for.
  args.exit_signal = SIGCHLD;
  // No args.stack: without CLONE_VM the child gets a copy of our memory,
  // stack included, exactly like fork. It goes on running *this* function
  // on its copy. Only threads (CLONE_VM: shared memory) need their own stack.

  std::fflush(stdout);  // the child gets a copy of stdio's buffer too (see step 1)
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    int err = errno;
    std::printf("parent: clone3(flags=%s): %s\n", flag_names.c_str(), strerror(err));
    if (err == EPERM) std::printf("parent: new namespaces need root (CAP_SYS_ADMIN)\n");
    if (err == ENOSYS) std::printf("parent: clone3 needs Linux 5.3 or later\n");
    return 1;
  }
  if (pid == 0) {
    // Like fork, clone3 returns 0 in the child.
    int code = child_main(flags, parent_ns);
    std::fflush(stdout);  // _exit does not flush stdio, so do it now
    _exit(code);          // never fall through into the parent's code below
  }

  std::printf("parent: clone3(flags=%s) = %ld\n", flag_names.c_str(), pid);
  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("parent: child %ld ended, shell status %d\n", pid, code);

  std::string now = hostname();
  std::printf("parent: hostname %s (%s)\n", now.c_str(),
              now == parent_hostname ? "unchanged" : "CHANGED");
  return code;
}
