// The root file system setup of lv1, step by step as enter_root() runs it.
//
// rootfs_setup/overlay_proc_dev_pivot: a child made with CLONE_NEWNS |
// CLONE_NEWPID (as in a container: the fresh /proc belongs to the new PID
// namespace) runs make_mounts_private, the overlay mount of the staged
// busybox image, /proc (with its masks), /dev, pivot_root, then exits.
// The real time covers the whole clone + setup + exit + teardown + wait;
// the `setup_us` counter is the time the child itself spent in the setup
// steps (clock_gettime around them, sent back over a pipe), so the
// difference is the clone and the namespace teardown.
//
// /sys is left out, as in the issue. The upper and work directories live in
// one temporary directory for the whole run and are removed at the end;
// nothing is written through the overlay, so they stay empty, and the
// mount namespace (and the overlay in it) is gone before wait returns.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench.hpp"
#include "pocker/fd.hpp"
#include "pocker/fs.hpp"
#include "pocker/process.hpp"
#include "pocker/root.hpp"

#ifndef POCKER_BENCH_ROOTFS
#define POCKER_BENCH_ROOTFS "build/rootfs/busybox-rootfs"
#endif

namespace pocker::bench {
namespace {

uint64_t now_ns() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

/// The staged busybox image: $POCKER_BENCH_ROOTFS, or the build's copy.
std::string rootfs_dir() {
  const char* env = std::getenv("POCKER_BENCH_ROOTFS");
  return env && *env ? env : POCKER_BENCH_ROOTFS;
}

/// Removes the temporary directory however the benchmark ends.
struct TempDir {
  std::string path;
  ~TempDir() {
    if (path.empty()) return;
    if (auto removed = remove_tree(path); !removed) {
      std::fprintf(stderr, "pocker-bench: %s\n", removed.error().message().c_str());
    }
  }
};

/// The child: the steps of enter_root() without /sys. Returns the exit code.
int setup_root(const RootPlan& plan, int report_fd) {
  uint64_t start = now_ns();
  auto result = [&]() -> Result<void> {
    TRY(make_mounts_private());
    TRY(mount_root(plan));
    TRY(mount_proc(plan.target, plan.new_pid_ns));
    TRY(mount_dev(plan.target, plan.in_user_ns));
    TRY(pivot_into(plan.target));
    return ok();
  }();
  if (!result) {
    std::fprintf(stderr, "pocker-bench: rootfs setup: %s\n", result.error().message().c_str());
    return 1;
  }
  uint64_t elapsed = now_ns() - start;
  return ::write(report_fd, &elapsed, sizeof elapsed) == sizeof elapsed ? 0 : 2;
}

void rootfs_setup(benchmark::State& state) {
  if (skip_unless_root(state)) return;
  std::string lower = rootfs_dir();
  if (::access((lower + "/bin/busybox").c_str(), X_OK) < 0) {
    state.SkipWithError(("no staged busybox image at " + lower).c_str());
    return;
  }
  auto made = make_temp_dir("/tmp/pocker-bench-rootfs-");
  if (!made) {
    state.SkipWithError(made.error().message().c_str());
    return;
  }
  TempDir tmp{made.value()};
  RootPlan plan;
  plan.target = tmp.path + "/root";
  plan.overlay = true;
  plan.dirs = OverlayDirs{{lower}, tmp.path + "/upper", tmp.path + "/work"};
  for (const auto& dir : {plan.target, plan.dirs.upper, plan.dirs.work}) {
    if (::mkdir(dir.c_str(), 0755) < 0) {
      state.SkipWithError(("mkdir " + dir).c_str());
      return;
    }
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) {
    state.SkipWithError("pipe2");
    return;
  }
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);

  uint64_t setup_ns = 0;
  for (auto _ : state) {
    auto child = spawn(CloneOptions{CLONE_NEWNS | CLONE_NEWPID, -1},
                       [&] { return setup_root(plan, write_end.get()); });
    if (!child) {
      state.SkipWithError(child.error().message().c_str());
      break;
    }
    auto status = child.value().wait();
    uint64_t elapsed = 0;
    if (!status || status.value().shell_code() != 0 ||
        ::read(read_end.get(), &elapsed, sizeof elapsed) != sizeof elapsed) {
      state.SkipWithError("the child's rootfs setup failed (its error is on stderr)");
      break;
    }
    setup_ns += elapsed;
  }
  state.counters["setup_us"] =
      benchmark::Counter(static_cast<double>(setup_ns) / 1e3, benchmark::Counter::kAvgIterations);
}

}  // namespace

void register_rootfs_benchmarks() {
  configure(benchmark::RegisterBenchmark("rootfs_setup/overlay_proc_dev_pivot", rootfs_setup));
}

}  // namespace pocker::bench
