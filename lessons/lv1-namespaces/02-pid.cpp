// lv1 step 2a: the PID namespace, and why /proc must be mounted again.
//
//   sudo build/lessons/lv1-02-pid                  pid 1, and /proc before and after
//   sudo build/lessons/lv1-02-pid ps -e            ... then run `ps -e` inside
//
// Needs root (CAP_SYS_ADMIN for the new namespaces and for mount).
// Man pages: pid_namespaces(7), mount_namespaces(7), proc(5), mount(2).
#include <dirent.h>
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <string>

namespace {

// The names in /proc that are numbers: one directory per process that this
// /proc can see. Prints the first few and returns how many there are.
int list_processes(const char* who) {
  DIR* dir = opendir("/proc");
  if (!dir) return 0;
  int count = 0;
  std::string first;
  while (dirent* entry = readdir(dir)) {
    if (!std::isdigit(static_cast<unsigned char>(entry->d_name[0]))) continue;
    if (++count <= 5) first += std::string(" ") + entry->d_name;
  }
  closedir(dir);
  std::printf("%s: ls /proc shows %d process%s:%s%s\n", who, count, count == 1 ? "" : "es",
              first.c_str(), count > 5 ? " ..." : "");
  return count;
}

// /proc/self is a link to the directory of the process that reads it, with
// the pid as *this /proc* counts it.
std::string proc_self() {
  char target[32] = {};
  ssize_t n = readlink("/proc/self", target, sizeof target - 1);
  return n < 0 ? std::string(strerror(errno)) : std::string(target, static_cast<size_t>(n));
}

int child_main(char** command) {
  // In a new PID namespace the first process is pid 1. Its parent is in
  // another (the parent) namespace, which the child cannot see: pid 0.
  std::printf("child: getpid() = %d, getppid() = %d\n", getpid(), getppid());

  // But /proc is still the host's: it was mounted for the host's PID
  // namespace, so it lists the host's processes, with the host's numbers.
  std::printf("child: before mounting: /proc/self -> %s (the host's number for us)\n",
              proc_self().c_str());
  list_processes("child: before mounting");

  // We will mount a new /proc. We are in a new mount namespace (CLONE_NEWNS),
  // but its mounts may still be "shared" with the host's (systemd makes them
  // shared): our mount would then appear on the host too, on top of the
  // host's /proc. Make every mount private first (step 3 explains this).
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    std::printf("child: make / private: %s\n", strerror(errno));
    return 125;
  }
  // A proc file system shows the PID namespace of the process that mounts
  // it. We are in the new one, so this /proc shows only our processes.
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0) {
    std::printf("child: mount proc: %s\n", strerror(errno));
    return 125;
  }
  std::printf("child: mount(\"proc\", \"/proc\", \"proc\") = ok\n");
  std::printf("child: after mounting: /proc/self -> %s\n", proc_self().c_str());
  list_processes("child: after mounting");

  if (command[0] == nullptr) return 0;
  std::fflush(stdout);
  execvp(command[0], command);  // the command is pid 1 now (exec keeps the pid)
  std::printf("child: exec %s: %s\n", command[0], strerror(errno));
  return 127;
}

}  // namespace

int main(int, char** argv) {
  std::printf("parent: pid %d\n", getpid());
  list_processes("parent");

  struct clone_args args {};
  // CLONE_NEWNS too: we mount a new /proc, and that must not change the host's.
  args.flags = CLONE_NEWPID | CLONE_NEWNS;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("parent: clone3(CLONE_NEWPID|CLONE_NEWNS): %s%s\n", strerror(errno),
                errno == EPERM ? " (needs root)" : "");
    return 1;
  }
  if (pid == 0) {
    // argv + 1 is the command. With no arguments it is an empty list: argv
    // ends with NULL, so argv[1] is NULL then.
    int code = child_main(argv + 1);
    std::fflush(stdout);
    _exit(code);
  }
  // We see the child with its host pid, not 1.
  std::printf("parent: clone3(CLONE_NEWPID|CLONE_NEWNS) = %ld\n", pid);

  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("parent: child %ld ended, shell status %d\n", pid, code);
  // The host's /proc did not change: the child's mount was in its own
  // mount namespace, and that namespace is gone with the child.
  std::printf("parent: after the child: /proc/self -> %s\n", proc_self().c_str());
  list_processes("parent: after the child");
  return code;
}
