// pocker-bench: micro-benchmarks of the kernel work a container start does.
//
// The benchmarks are registered at run time (they are parameterised by
// clone flags and by what cgroup hierarchies this machine has), so this is
// BENCHMARK_MAIN() with the registrations and a default minimum time in front.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench.hpp"

int main(int argc, char** argv) {
  // Our default minimum time goes first, so one given on the command line
  // (parsed later) replaces it.
  std::vector<char*> args(argv, argv + argc);
  char* default_min_time = const_cast<char*>(pocker::bench::kDefaultMinTime);
  args.insert(args.begin() + (argc > 0 ? 1 : 0), default_min_time);
  args.push_back(nullptr);
  argc = static_cast<int>(args.size()) - 1;
  argv = args.data();

  pocker::bench::register_clone_benchmarks();
  pocker::bench::register_rootfs_benchmarks();
  pocker::bench::register_cgroup_benchmarks();
  pocker::bench::register_cgroup_driver_benchmarks();
  pocker::bench::register_security_benchmarks();
  pocker::bench::register_network_benchmarks();

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
