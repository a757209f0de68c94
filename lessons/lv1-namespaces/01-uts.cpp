// lv1 step 1: the UTS namespace, a hostname of its own.
//
//   sudo build/lessons/lv1-01-uts                        hostname lv1-container
//   sudo build/lessons/lv1-01-uts box1 hostname          ... and run `hostname` inside
//
// Needs root: a new UTS namespace needs CAP_SYS_ADMIN (step 7 shows the way
// around this: a user namespace).
// Man pages: uts_namespaces(7), sethostname(2), clone(2), pipe(2).
#include <errno.h>
#include <fcntl.h>  // O_CLOEXEC
#include <linux/sched.h>  // struct clone_args, CLONE_NEWUTS
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace {

std::string hostname() {
  char name[65] = {};  // HOST_NAME_MAX is 64
  gethostname(name, sizeof name - 1);
  return name;
}

std::string namespace_id(const char* path) {  // like lv0 step 2
  char target[64] = {};
  ssize_t n = readlink(path, target, sizeof target - 1);
  return n < 0 ? std::string("?") : std::string(target, static_cast<size_t>(n));
}

// The child: a new UTS namespace, so a hostname of its own.
int child_main(const std::string& name, char** command, int ready_fd, int go_fd) {
  std::printf("child: uts namespace %s\n", namespace_id("/proc/self/ns/uts").c_str());
  // This changes only the hostname of our new namespace. The kernel keeps
  // one copy of the hostname per UTS namespace.
  if (sethostname(name.c_str(), name.size()) < 0) {
    std::printf("child: sethostname: %s\n", strerror(errno));
    return 1;
  }
  std::printf("child: sethostname(\"%s\") = ok, hostname is now %s\n", name.c_str(),
              hostname().c_str());
  std::fflush(stdout);

  // Tell the parent "the name is set", then wait until it has looked at its
  // own hostname. Now both things happen at the same time, for real.
  char byte = 'r';
  if (write(ready_fd, &byte, 1) != 1) return 1;
  close(ready_fd);
  if (read(go_fd, &byte, 1) < 0) return 1;  // 0 (EOF) when the parent closes its end

  if (command[0] == nullptr) return 0;
  execvp(command[0], command);  // the command sees our hostname too
  std::printf("child: exec %s: %s\n", command[0], strerror(errno));
  return 127;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = argc > 1 ? argv[1] : "lv1-container";
  char** command = argc > 2 ? argv + 2 : argv + argc;  // argv[argc] is NULL: no command
  const std::string host_name = hostname();
  std::printf("parent: hostname %s, uts namespace %s\n", host_name.c_str(),
              namespace_id("/proc/self/ns/uts").c_str());

  // Two pipes: "ready" goes from the child to the parent, "go" the other way.
  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
    std::perror("pipe2");
    return 1;
  }

  struct clone_args args {};
  args.flags = CLONE_NEWUTS;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("parent: clone3(CLONE_NEWUTS): %s%s\n", strerror(errno),
                errno == EPERM ? " (a new UTS namespace needs root)" : "");
    return 1;
  }
  if (pid == 0) {
    close(ready[0]);
    close(go[1]);
    int code = child_main(name, command, ready[1], go[0]);
    std::fflush(stdout);
    _exit(code);
  }
  close(ready[1]);
  close(go[0]);

  char byte;
  if (read(ready[0], &byte, 1) == 1) {
    // The child is alive and has renamed "its" machine. Ours did not change.
    std::printf("parent: the child is running, and the host's hostname is still %s\n",
                hostname().c_str());
  }
  std::fflush(stdout);
  close(go[1]);  // the child's read() returns 0: go on

  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::string now = hostname();
  std::printf("parent: child %ld ended, shell status %d\n", pid, code);
  std::printf("parent: hostname %s (%s)\n", now.c_str(),
              now == host_name ? "unchanged" : "CHANGED");
  return code;
}
