// lv2 step 2: a memory limit, and the OOM killer.
//
//   build/lessons/lv2-02-memory-oom          limit 32 MiB, the child touches 128 MiB: killed
//   build/lessons/lv2-02-memory-oom 16       the child touches 16 MiB: it fits, exits 0
//
// Makes a temporary cgroup with a 32 MiB limit (and no swap), runs a child
// that allocates memory and writes to every page, then prints how the child
// ended and the cgroup's OOM counter. Exits with the child's shell status,
// as a shell would: 137 when the OOM killer ended it. Needs root.
// Files: v1 memory.limit_in_bytes, memory.memsw.limit_in_bytes,
// memory.oom_control; v2 memory.max, memory.swap.max, memory.events.
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "lesson-cgroup.hpp"

int main(int argc, char** argv) {
  long mib = argc > 1 ? std::atol(argv[1]) : 128;
  if (mib < 1) {
    std::printf("usage: %s [MIB]   (how much the child allocates, default 128)\n", argv[0]);
    return 2;
  }
  const std::string limit = std::to_string(32L << 20);  // 32 MiB in bytes

  lesson::Cgroup cgroup({"memory"});
  if (!cgroup.ok()) return 1;
  const std::string& dir = cgroup.dir(0);
  if (cgroup.v2()) {
    if (!lesson::write_file(dir + "/memory.max", limit)) return 1;
    // Swap has its own limit on v2. 0: no swap at all, or the child would
    // be pushed to swap (slowly) instead of being killed.
    if (lesson::exists(dir + "/memory.swap.max") && !lesson::write_file(dir + "/memory.swap.max", "0"))
      return 1;
  } else {
    if (!lesson::write_file(dir + "/memory.limit_in_bytes", limit)) return 1;
    // v1 limits memory *plus* swap: the same value means "no swap". It must
    // be written after memory.limit_in_bytes, and the file only exists with
    // swap accounting.
    std::string memsw = dir + "/memory.memsw.limit_in_bytes";
    if (lesson::exists(memsw) && !lesson::write_file(memsw, limit)) return 1;
  }

  int status = 0;
  bool ran = lesson::run_in_cgroup(cgroup, [mib] {
    std::printf("child %d allocates %ld MiB, the limit is 32 MiB\n", getpid(), mib);
    std::fflush(stdout);
    // malloc only reserves addresses. The memory is charged to the cgroup
    // when we first write to each page, so we write to all of it.
    size_t size = static_cast<size_t>(mib) << 20;
    char* p = static_cast<char*>(std::malloc(size));
    if (p == nullptr) return 1;
    for (size_t i = 0; i < size; i += 4096) p[i] = 1;
    std::printf("child: touched %ld MiB and lived\n", mib);
    std::fflush(stdout);
    return 0;
  }, status);
  if (!ran) return 1;

  int shell_status = 0;
  if (WIFSIGNALED(status)) {
    shell_status = 128 + WTERMSIG(status);
    std::printf("child killed by signal %d (SIG%s), shell status %d\n", WTERMSIG(status),
                sigabbrev_np(WTERMSIG(status)), shell_status);
  } else {
    shell_status = WEXITSTATUS(status);
    std::printf("child exited %d\n", shell_status);
  }

  // 137 only says "SIGKILL". Anyone can send SIGKILL (kill -9, a timeout).
  // The cgroup counts the kills of the OOM killer: that is the real answer.
  std::string text = cgroup.v2() ? lesson::read_file(dir + "/memory.events")
                                 : lesson::read_file(dir + "/memory.oom_control");
  auto kills = pocker::cgroupfs::keyed_value(text, "oom_kill");
  std::printf("%s: oom_kill %s\n", cgroup.v2() ? "memory.events" : "memory.oom_control",
              kills ? std::to_string(*kills).c_str() : "(not counted by this kernel)");
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && kills && *kills > 0)
    std::printf("=> killed by the OOM killer\n");
  return shell_status;
}
