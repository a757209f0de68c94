// lv1 step 5: the IPC namespace. System V shared memory of its own.
//
//   sudo build/lessons/lv1-05-ipc                 make a segment inside, look for it outside
//   sudo build/lessons/lv1-05-ipc ipcs -m         ... and run `ipcs -m` inside
//
// Needs root (CAP_SYS_ADMIN for CLONE_NEWIPC).
// Man pages: ipc_namespaces(7), sysvipc(7), shmget(2), shmat(2), ipcs(1).
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

// Programs find a System V object by a number they agree on: the key.
// (ftok(3) makes one from a file name; we just pick one.)
constexpr key_t kKey = 0x4c563105;  // "LV1", step 5

// The lines of /proc/sysvipc/shm: every segment of *our* IPC namespace.
int count_segments() {
  std::ifstream in("/proc/sysvipc/shm");
  std::string line;
  int count = -1;  // the first line is the header
  while (std::getline(in, line)) ++count;
  return count;
}

int child_main(char** command, int ready_fd, int go_fd) {
  std::printf("child: segments in this IPC namespace: %d\n", count_segments());
  // IPC_CREAT: make the segment if no segment has this key.
  int id = shmget(kKey, 4096, IPC_CREAT | 0600);
  if (id < 0) {
    std::printf("child: shmget: %s\n", strerror(errno));
    return 1;
  }
  char* memory = static_cast<char*>(shmat(id, nullptr, 0));
  if (memory == reinterpret_cast<char*>(-1)) {  // shmat's error value is (void*)-1
    std::printf("child: shmat: %s\n", strerror(errno));
    return 1;
  }
  std::snprintf(memory, 4096, "hello from the child");
  std::printf("child: shmget(0x%x) = %d, wrote \"%s\"\n", static_cast<unsigned>(kKey), id, memory);
  std::printf("child: segments in this IPC namespace: %d\n", count_segments());
  shmdt(memory);

  // Tell the parent to look, and wait until it has looked.
  std::fflush(stdout);
  char byte = 'r';
  if (write(ready_fd, &byte, 1) != 1) return 1;
  if (read(go_fd, &byte, 1) < 0) return 1;

  // We do not remove the segment (shmctl(IPC_RMID)). When the last process
  // of an IPC namespace ends, the kernel destroys the namespace and every
  // object in it. Nothing is left behind, even if we crash.
  if (command[0] == nullptr) return 0;
  execvp(command[0], command);
  std::printf("child: exec %s: %s\n", command[0], strerror(errno));
  return 127;
}

}  // namespace

int main(int, char** argv) {
  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
    std::perror("pipe2");
    return 1;
  }
  std::printf("parent: segments on the host: %d\n", count_segments());

  struct clone_args args {};
  args.flags = CLONE_NEWIPC;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("parent: clone3(CLONE_NEWIPC): %s%s\n", strerror(errno),
                errno == EPERM ? " (needs root)" : "");
    return 1;
  }
  if (pid == 0) {
    close(ready[0]);
    close(go[1]);
    int code = child_main(argv + 1, ready[1], go[0]);  // argv + 1: the command, maybe empty
    std::fflush(stdout);
    _exit(code);
  }
  close(ready[1]);
  close(go[0]);

  char byte;
  if (read(ready[0], &byte, 1) == 1) {
    // The segment exists now, in the child's namespace. Look for the same
    // key here (size 0, no IPC_CREAT: only find, never make).
    int id = shmget(kKey, 0, 0);
    if (id < 0) {
      std::printf("parent: shmget(0x%x) on the host: %s: the child's segment is not here\n",
                  static_cast<unsigned>(kKey), strerror(errno));
    } else {
      std::printf("parent: shmget(0x%x) on the host = %d: the segment IS visible?!\n",
                  static_cast<unsigned>(kKey), id);
    }
  }
  std::fflush(stdout);
  close(go[1]);

  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("parent: child %ld ended, shell status %d\n", pid, code);
  return code;
}
