// lv2 step 1: --cpus 0.5 is a CPU quota: 50000 µs of CPU time in every 100000 µs.
//
//   build/lessons/lv2-01-cpu-quota          a limit of 0.5 CPU
//   build/lessons/lv2-01-cpu-quota 0.2      a limit of 0.2 CPU
//
// Makes a temporary cgroup, writes the quota, runs a busy child inside for
// about one second, and prints how much CPU time the child got. Needs root.
// Files: v1 cpu.cfs_quota_us + cpu.cfs_period_us, v2 cpu.max.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "lesson-cgroup.hpp"

namespace {

double now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double seconds(const struct timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  double cpus = argc > 1 ? std::atof(argv[1]) : 0.5;
  if (cpus < 0.01 || cpus > 1) {
    std::printf("usage: %s [CPUS]   (CPUS from 0.01 to 1)\n", argv[0]);
    return 2;
  }

  // The period is the kernel's default and docker's: 100 ms. The quota is
  // how much of it the cgroup may run: 0.5 CPU = 50000 of every 100000 µs.
  constexpr long kPeriod = 100000;
  long quota = static_cast<long>(cpus * kPeriod);
  std::printf("--cpus %.2f = a quota of %ld µs in every %ld µs\n", cpus, quota, kPeriod);

  lesson::Cgroup cgroup({"cpu"});
  if (!cgroup.ok()) return 1;
  const std::string& dir = cgroup.dir(0);
  bool written =
      cgroup.v2()
          // v2: one file, "QUOTA PERIOD" ("max PERIOD" means no limit).
          ? lesson::write_file(dir + "/cpu.max", std::to_string(quota) + " " + std::to_string(kPeriod))
          // v1: two files. -1 in cpu.cfs_quota_us means no limit.
          : lesson::write_file(dir + "/cpu.cfs_period_us", std::to_string(kPeriod)) &&
                lesson::write_file(dir + "/cpu.cfs_quota_us", std::to_string(quota));
  if (!written) return 1;

  // The child burns CPU for one second of wall time, inside the cgroup.
  int status = 0;
  struct rusage usage {};  // wait4 is waitpid plus the CPU time the child used
  double start = now();
  bool ran = lesson::run_in_cgroup(cgroup, [] {
    double end = now() + 1.0;
    volatile unsigned long spin = 0;
    while (now() < end) spin = spin + 1;  // as busy as a process can be
    return 0;
  }, status, &usage);
  if (!ran) return 1;
  double wall = now() - start;
  double cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  std::printf("got %.2f CPU seconds in %.2f s (limit %.2f)\n", cpu, wall, cpus);
  std::printf("ratio %.2f of one CPU\n", cpu / wall);
  return 0;  // the destructor of `cgroup` removes the directory
}
