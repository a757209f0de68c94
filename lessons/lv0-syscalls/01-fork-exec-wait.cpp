// lv0 step 1: fork + exec + wait, the three calls behind every command a shell runs.
//
//   build/lessons/lv0-01-fork-exec-wait                      runs: sh -c 'exit 3'
//   build/lessons/lv0-01-fork-exec-wait sh -c 'kill -TERM $$'
//   build/lessons/lv0-01-fork-exec-wait ls -l /
//
// Plain libc only: no pocker code. Step 4 shows how pocker wraps the same calls.
// Man pages: fork(2), execve(2), execvp(3), waitpid(2), wait(2) for the W* macros.
#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  // The command to run: our own arguments, or `sh -c 'exit 3'` when there are none.
  // execvp wants a NULL-terminated array of char*. main's argv is one already
  // (argv[argc] is NULL), so argv + 1 is "our arguments without our own name".
  static char sh[] = "sh", dash_c[] = "-c", script[] = "exit 3";
  static char* default_command[] = {sh, dash_c, script, nullptr};
  char** command = argc > 1 ? argv + 1 : default_command;

  // Why flush: fork copies our whole memory, also stdio's buffer of text that
  // printf has not written yet. When stdout is a pipe or a file (as under ctest),
  // text waits there until the buffer is full. If the child flushes its copy
  // later (exit() does), the same text comes out twice. Our child only execs or
  // _exits, which both drop the copy, but flushing before fork is the safe habit.
  std::fflush(stdout);

  // fork returns twice: 0 in the new child, the child's pid in the parent.
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return 1;
  }

  if (pid == 0) {
    // --- the child: a copy of the parent, with its own pid ---
    // execvp replaces this program with the command. It searches PATH when the
    // name has no '/'. On success it never returns: our code is gone.
    execvp(command[0], command);
    // Only a failure gets here. The child cannot return an error object to the
    // parent; it has only its exit status. Shells use 127 for "not found" and
    // 126 for "found but cannot run". Step 4 shows a better way to report it.
    int err = errno;
    std::fprintf(stderr, "child: exec %s: %s\n", command[0], strerror(err));
    // _exit, not exit: exit would run the parent's atexit handlers and flush
    // stdio buffers a second time, in the wrong process.
    _exit(err == ENOENT ? 127 : 126);
  }

  // --- the parent ---
  std::printf("parent: started child %d\n", pid);
  int status = 0;
  // waitpid blocks until the child ends, then "reaps" it: until then the dead
  // child stays in the process table as a zombie. A signal handler can
  // interrupt the call (EINTR); we simply try again.
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }

  // `status` packs two cases into one int. The W* macros unpack it.
  if (WIFEXITED(status)) {
    // The child called exit(N) or _exit(N). Only the low 8 bits survive,
    // so the code is always 0..255 (exit(256) looks like exit(0)).
    int code = WEXITSTATUS(status);
    std::printf("child %d exited with status %d\n", pid, code);
    return code;
  }
  if (WIFSIGNALED(status)) {
    // The child was killed by a signal; it never chose an exit code.
    // A shell reports this as 128 + the signal number: SIGTERM (15) -> 143,
    // SIGKILL (9) -> 137, SIGSEGV (11) -> 139.
    int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);  // "TERM"; NULL for real-time signals
    std::printf("child %d killed by signal %d = SIG%s (shell status %d)\n", pid, sig,
                name ? name : "?", 128 + sig);
    return 128 + sig;  // we pass the status on, as a shell does
  }
  std::printf("child %d: unexpected wait status 0x%x\n", pid, static_cast<unsigned>(status));
  return 1;
}
