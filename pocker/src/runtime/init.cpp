#include "pocker/init.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pocker/trace.hpp"

namespace pocker {

void run_init(const std::function<int()>& start_command, const std::function<void()>& after_fork) {
  // handout(lifecycle.init) begin: be PID 1: run the command in a child, pass signals on to it, reap every orphan, exit with the command's status
  // Blocked signals wait in a queue for sigwaitinfo() below. A blocked
  // signal is not "ignored", so even PID 1 of a namespace receives it.
  sigset_t waited, old;
  sigemptyset(&waited);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}) {
    sigaddset(&waited, s);
  }
  ::sigprocmask(SIG_BLOCK, &waited, &old);

  pid_t child = ::fork();
  if (child < 0) ::_exit(125);
  if (child == 0) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    ::_exit(start_command());
  }
  after_fork();
  ::prctl(PR_SET_NAME, "pocker-init");
  trace("init: running the command as pid {}", child);

  while (true) {
    siginfo_t info;
    int signal = ::sigwaitinfo(&waited, &info);
    if (signal < 0) continue;  // EINTR
    if (signal != SIGCHLD) {
      ::kill(child, signal);
      continue;
    }
    // One SIGCHLD may stand for many exits: reap until none is left.
    int status;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != child) continue;  // an orphan we adopted: reaped, done
      // PID 1 cannot kill itself with the same signal: report 128+N.
      ::_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
    }
  }
  // handout(lifecycle.init) stub:
  // (void)after_fork;
  // ::_exit(start_command());
  // handout(lifecycle.init) end
}

}  // namespace pocker
