/// @file
/// @brief Shared helpers for the pocker-bench micro-benchmarks.
///
/// Every benchmark measures wall-clock time (UseRealTime): a container
/// start is dominated by the kernel and by waiting for the child, which
/// CPU time of the benchmark thread would not show.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>

namespace pocker::bench {

/// Seconds each benchmark runs for at least, unless --benchmark_min_time
/// says otherwise (main.cpp passes it as the first flag, so a user's own
/// flag wins; a per-benchmark MinTime() would override the command line).
/// 18 benchmarks at 0.5 s, plus the teardown they wait for, keep a full
/// `pocker-bench` run under a minute on two cores.
inline constexpr const char* kDefaultMinTime = "--benchmark_min_time=0.5";

/// Applies the settings all benchmarks share.
inline benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b) {
  return b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

/// Marks the benchmark as skipped unless we run as root; true when skipped.
/// Google Benchmark 1.7 then runs no iterations and prints the reason.
inline bool skip_unless_root(benchmark::State& state) {
  if (::geteuid() == 0) return false;
  state.SkipWithError("needs root");
  return true;
}

// One registration function per file, called from main.cpp in this order.
void register_clone_benchmarks();
void register_rootfs_benchmarks();
void register_cgroup_benchmarks();
void register_cgroup_driver_benchmarks();
void register_security_benchmarks();
void register_network_benchmarks();

}  // namespace pocker::bench
