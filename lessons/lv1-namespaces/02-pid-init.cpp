// lv1 step 2b: PID 1 is special. Signals, and the end of a PID namespace.
//
//   sudo build/lessons/lv1-02-pid-init
//
// Needs root (CAP_SYS_ADMIN for CLONE_NEWPID).
// Man pages: pid_namespaces(7) (section "The namespace init process"),
// signal(7), kill(2), sigaction(2), poll(2).
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

namespace {

volatile sig_atomic_t got_sigterm = 0;
void on_sigterm(int) { got_sigterm = 1; }

// The child is pid 1 of a new PID namespace: its "init".
int init_main(int watch_fd) {
  std::printf("pid 1: getpid() = %d, getppid() = %d\n", getpid(), getppid());

  // The rule (pid_namespaces(7)): the kernel delivers a signal to a
  // namespace's init only if init has a *handler* for it. We have none, so
  // signals sent from inside the namespace are dropped, even SIGKILL.
  // (kill() still returns 0: the signal was sent, then ignored.)
  int rc = kill(1, SIGKILL);
  std::printf("pid 1: kill(1, SIGKILL) = %d, and pid 1 is still alive\n", rc);
  rc = kill(1, SIGTERM);
  std::printf("pid 1: kill(1, SIGTERM) = %d, and pid 1 is still alive\n", rc);

  // With a handler, the signal arrives.
  struct sigaction action {};
  action.sa_handler = on_sigterm;
  sigaction(SIGTERM, &action, nullptr);
  kill(1, SIGTERM);  // a signal to ourselves is delivered before kill() returns
  std::printf("pid 1: with a handler installed, kill(1, SIGTERM): %s\n",
              got_sigterm ? "the handler ran" : "nothing happened?!");

  // Start a second process in the namespace. It only waits. It keeps the
  // write end of a pipe open: the host sees end-of-file when it is gone.
  std::fflush(stdout);
  pid_t other = fork();
  if (other == 0) {
    for (;;) pause();  // waits forever, unless it is killed
  }
  std::printf("pid 1: started pid %d, which waits forever\n", other);
  close(watch_fd);  // now only pid 2 holds the write end

  // Now pid 1 ends, without waiting for pid 2.
  std::printf("pid 1: exit(0)\n");
  return 0;
}

}  // namespace

int main() {
  int watch[2];
  if (pipe2(watch, O_CLOEXEC) < 0) {
    std::perror("pipe2");
    return 1;
  }

  struct clone_args args {};
  args.flags = CLONE_NEWPID;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("host: clone3(CLONE_NEWPID): %s%s\n", strerror(errno),
                errno == EPERM ? " (needs root)" : "");
    return 1;
  }
  if (pid == 0) {
    close(watch[0]);
    int code = init_main(watch[1]);
    std::fflush(stdout);
    _exit(code);
  }
  close(watch[1]);

  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("host: pid 1 (host pid %ld) ended, shell status %d\n", pid, code);

  // When the init of a PID namespace ends, the kernel sends SIGKILL to every
  // other process in that namespace. No new process can join it any more.
  // So pid 2 dies too, and its end of the pipe closes: read() returns 0.
  struct pollfd wait_for {watch[0], POLLIN, 0};
  char byte;
  if (poll(&wait_for, 1, 10000) == 1 && read(watch[0], &byte, 1) == 0) {
    std::printf("host: pid 2 is gone too: the kernel killed it when pid 1 ended\n");
    return code;
  }
  std::printf("host: pid 2 is still running after 10 seconds?!\n");
  return 1;
}
