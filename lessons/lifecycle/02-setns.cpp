// lifecycle step 3: how `exec` gets into a running container: setns(2).
//
//   sudo build/lessons/lifecycle-02-setns
//   sudo build/lessons/lifecycle-02-setns hostname      run a command "in the container"
//
// Needs root (CAP_SYS_ADMIN for CLONE_NEWUTS, CLONE_NEWPID and setns).
// Man pages: setns(2), namespaces(7) (/proc/pid/ns/pid_for_children),
// pid_namespaces(7).
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace {

constexpr const char* kHostname = "lifecycle-box";

std::string hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

std::string link(const std::string& path) {
  char target[256] = {};
  if (readlink(path.c_str(), target, sizeof target - 1) < 0) return strerror(errno);
  return target;
}

// The "container": pid 1 in new UTS and PID namespaces. It sets its
// hostname, says "ready", and waits until the host closes the pipe.
int container_main(int ready_fd, int stop_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the example
  sethostname(kHostname, strlen(kHostname));
  std::printf("container: pid %d, hostname %s\n", getpid(), hostname().c_str());
  std::fflush(stdout);
  if (write(ready_fd, "r", 1) != 1) return 1;
  char byte;
  while (read(stop_fd, &byte, 1) < 0 && errno == EINTR) {
  }
  return 0;
}

// Opens /proc/<pid>/ns/<name> and joins that namespace.
bool join(pid_t pid, const char* name, int flag) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/" + name;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, flag) < 0) {
    std::printf("exec: setns(%s): %s\n", path.c_str(), strerror(errno));
    if (fd >= 0) close(fd);
    return false;
  }
  close(fd);
  std::printf("exec: setns(open(\"%s\")) = ok\n", path.c_str());
  return true;
}

// What `pocker exec` does, in small: join the container's namespaces, then
// fork once more, because the PID namespace only applies to new children.
int exec_main(pid_t container, char** command) {
  std::printf("exec: I am pid %d, hostname %s\n", getpid(), hostname().c_str());
  if (!join(container, "uts", CLONE_NEWUTS) || !join(container, "pid", CLONE_NEWPID)) return 1;

  std::printf("exec: after setns: hostname %s, but getpid() = %d still\n", hostname().c_str(),
              getpid());
  bool same = link("/proc/self/ns/pid") == link("/proc/self/ns/pid_for_children");
  std::printf("exec: /proc/self/ns/pid %s /proc/self/ns/pid_for_children\n",
              same ? "==" : "!=");

  std::fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    // getppid() is 0: our parent is in a namespace we cannot see.
    std::printf("exec child: getpid() = %d, getppid() = %d, hostname %s\n", getpid(), getppid(),
                hostname().c_str());
    std::fflush(stdout);
    if (command[0] != nullptr) {
      execvp(command[0], command);
      std::printf("exec child: execvp %s: %s\n", command[0], strerror(errno));
      _exit(127);
    }
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  std::printf("exec: my child was pid %d out here\n", child);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main(int, char** argv) {
  int ready[2], stop[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(stop, O_CLOEXEC) < 0) {
    std::perror("pipe2");
    return 1;
  }

  struct clone_args args {};
  args.flags = CLONE_NEWUTS | CLONE_NEWPID;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long container = syscall(SYS_clone3, &args, sizeof args);
  if (container < 0) {
    std::printf("host: clone3(CLONE_NEWUTS | CLONE_NEWPID): %s%s\n", strerror(errno),
                errno == EPERM ? " (needs root)" : "");
    return 1;
  }
  if (container == 0) {
    close(ready[0]);
    close(stop[1]);
    _exit(container_main(ready[1], stop[0]));
  }
  close(ready[1]);
  close(stop[0]);
  pid_t pid = static_cast<pid_t>(container);

  char byte;
  if (read(ready[0], &byte, 1) != 1) {
    std::printf("host: the container did not start\n");
    return 1;
  }
  std::printf("host: the container runs as host pid %d, host hostname %s\n", pid,
              hostname().c_str());

  std::fflush(stdout);
  pid_t exec = fork();
  if (exec == 0) {
    close(stop[1]);
    int code = exec_main(pid, argv + 1);
    std::fflush(stdout);
    _exit(code);
  }
  int status;
  waitpid(exec, &status, 0);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

  std::printf("host: hostname %s (unchanged)\n", hostname().c_str());
  close(stop[1]);  // the container reads end-of-file and exits
  waitpid(pid, &status, 0);
  std::printf("host: the container ended\n");
  return code;
}
