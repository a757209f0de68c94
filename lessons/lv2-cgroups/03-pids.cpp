// lv2 step 3: pids.max, a limit on the number of processes (a "fork bomb" guard).
//
//   build/lessons/lv2-03-pids
//
// Makes a temporary cgroup with pids.max 10, puts a child inside, and the
// child tries to start 50 more processes. The 10th fork fails with EAGAIN:
// the child itself is one of the 10. Needs root.
// Files: pids.max and pids.current, the same names on v1 and v2.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "lesson-cgroup.hpp"

int main() {
  lesson::Cgroup cgroup({"pids"});
  if (!cgroup.ok()) return 1;
  const std::string& dir = cgroup.dir(0);
  if (!lesson::write_file(dir + "/pids.max", "10")) return 1;

  int status = 0;
  bool ran = lesson::run_in_cgroup(cgroup, [&dir] {
    pid_t kids[50];
    int started = 0;
    for (int i = 1; i <= 50; ++i) {
      pid_t kid = fork();
      if (kid < 0) {
        // Not ENOMEM, not "limit reached": EAGAIN, the same error as for
        // RLIMIT_NPROC. Well-written programs retry later.
        std::printf("child: fork number %d failed: %s (%s)\n", i, strerrorname_np(errno),
                    strerror(errno));
        break;
      }
      if (kid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        pause();  // wait to be killed
        _exit(0);
      }
      kids[started++] = kid;
    }
    std::printf("child: started %d of 50 processes, pids.current %s", started,
                lesson::read_file(dir + "/pids.current").c_str());
    std::fflush(stdout);
    for (int i = 0; i < started; ++i) kill(kids[i], SIGKILL);
    for (int i = 0; i < started; ++i) waitpid(kids[i], nullptr, 0);
    return 0;
  }, status);
  if (!ran) return 1;
  std::printf("parent: child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
