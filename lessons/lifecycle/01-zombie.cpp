// lifecycle step 2: orphans, zombies, and why PID 1 must call wait().
//
//   sudo build/lessons/lifecycle-01-zombie           pid 1 does not reap: a zombie stays
//   sudo build/lessons/lifecycle-01-zombie --reap    pid 1 reaps, like an init
//
// Needs root (CAP_SYS_ADMIN for CLONE_NEWPID and CLONE_NEWNS).
// Man pages: wait(2), pid_namespaces(7), proc(5) (/proc/pid/stat), prctl(2).
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

// The state letter and the parent of `pid`, from /proc/<pid>/stat:
// "3 (sleep) Z 1 ...". The name may hold spaces, so start after the last ')'.
// Empty when the process does not exist (any more).
std::string state_of(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(file, line)) return "";
  size_t paren = line.rfind(')');
  if (paren == std::string::npos) return "";
  std::istringstream fields(line.substr(paren + 2));
  std::string state, ppid;
  fields >> state >> ppid;
  return "state " + state + ", ppid " + ppid;
}

// pid 2: starts pid 3, then exits at once, without waiting for it.
int parent_main() {
  std::fflush(stdout);
  pid_t grandchild = fork();
  if (grandchild == 0) {
    // pid 3: wait until our parent is gone. Then the kernel gives us a new
    // parent: the init of our PID namespace, pid 1.
    for (int i = 0; i < 500 && getppid() != 1; ++i) usleep(10 * 1000);
    std::printf("grandchild: I am pid %d, my parent exited, getppid() = %d now\n", getpid(),
                getppid());
    std::printf("grandchild: exit(7)\n");
    std::fflush(stdout);
    _exit(7);
  }
  std::printf("parent: I am pid %d, started pid %d, and exit without waiting for it\n", getpid(),
              grandchild);
  std::fflush(stdout);
  _exit(0);
}

// pid 1 of the new PID namespace.
int init_main(bool reap) {
  // A /proc of our own, so /proc/3 means *our* pid 3. Private first, so the
  // new /proc does not appear on the host (lv1 step 3).
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0 ||
      mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0) {
    std::printf("pid 1: mount /proc: %s\n", strerror(errno));
    return 1;
  }
  std::fflush(stdout);
  pid_t parent = fork();
  if (parent == 0) parent_main();
  const pid_t grandchild = parent + 1;  // pid 2 forked pid 3: numbers are new here

  if (!reap) {
    // Only wait for our *own* child, as most programs do.
    int status;
    waitpid(parent, &status, 0);
    std::printf("pid 1: waitpid(%d) = ok: reaped my own child\n", parent);
    // Now pid 3 is our child too (we adopted it), but we never wait for it.
    std::string state;
    for (int i = 0; i < 500; ++i) {
      state = state_of(grandchild);
      if (state.rfind("state Z", 0) == 0) break;
      usleep(10 * 1000);
    }
    std::printf("pid 1: /proc/%d/stat: %s\n", grandchild, state.c_str());
    if (state.rfind("state Z", 0) == 0) {
      std::printf("pid 1: pid %d has ended, but nobody called wait() for it: it is a zombie\n",
                  grandchild);
    }
    std::printf("pid 1: exit(0) without reaping it\n");
    return 0;
  }

  // An init: wait for *any* child, until there is none left (ECHILD).
  // pocker's --init does the same (pocker/src/runtime/init.cpp).
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, 0)) > 0 || errno == EINTR) {
    if (pid <= 0) continue;
    if (WIFEXITED(status)) {
      std::printf("pid 1: waitpid(-1) = %d, exit status %d\n", pid, WEXITSTATUS(status));
    } else {
      std::printf("pid 1: waitpid(-1) = %d, killed by signal %d\n", pid, WTERMSIG(status));
    }
  }
  std::printf("pid 1: waitpid(-1): %s: no children left\n", strerror(errno));
  std::string state = state_of(grandchild);
  std::printf("pid 1: /proc/%d/stat: %s\n", grandchild,
              state.empty() ? "gone, no zombie" : state.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool reap = argc > 1 && std::string(argv[1]) == "--reap";
  if (argc > 1 && !reap) {
    std::fprintf(stderr, "usage: %s [--reap]\n", argv[0]);
    return 2;
  }

  struct clone_args args {};
  args.flags = CLONE_NEWPID | CLONE_NEWNS;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("host: clone3(CLONE_NEWPID | CLONE_NEWNS): %s%s\n", strerror(errno),
                errno == EPERM ? " (needs root)" : "");
    return 1;
  }
  if (pid == 0) {
    int code = init_main(reap);
    std::fflush(stdout);
    _exit(code);
  }

  int status;
  waitpid(static_cast<pid_t>(pid), &status, 0);
  // When pid 1 ends, the kernel kills every process left in its namespace
  // and reaps them, zombies included. Nothing is left on the host.
  std::printf("host: pid 1 (host pid %ld) ended with status %d: the kernel removed its "
              "namespace and every process left in it\n",
              pid, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
