#include "resource_flags.hpp"

#include "pocker/parse.hpp"

namespace pocker::cli {

void add_resource_flags(CLI::App* command, ResourceFlags& flags) {
  command->add_option("--cpus", flags.cpus, "CPU time limit, in CPUs (0.5 = half of one)");
  command->add_option("-m,--memory,--mem", flags.memory, "memory limit (b, k, m, g; at least 6m)");
  command->add_option("--memory-swap", flags.memory_swap, "memory plus swap limit, or -1 for unlimited swap");
  command->add_option("--pids-limit", flags.pids_limit, "most processes at once (-1: unlimited)");
  command->add_option("--cpuset-cpus", flags.cpuset_cpus, "CPUs it may run on, e.g. 0-1,3");
  command->add_option("--cpu-shares", flags.cpu_shares, "relative CPU weight (2..262144, default 1024)");
}

Result<Resources> parse_resources(const ResourceFlags& flags) {
  Resources r;
  if (!flags.cpus.empty()) r.cpus = TRY(parse_cpus(flags.cpus, host_cpu_count()));
  if (!flags.memory.empty()) r.memory = TRY_CTX(parse_size(flags.memory), "--memory");
  if (!flags.memory_swap.empty()) {
    if (flags.memory_swap == "-1") {
      r.memory_swap = -1;
    } else {
      r.memory_swap = static_cast<int64_t>(TRY_CTX(parse_size(flags.memory_swap), "--memory-swap"));
    }
  }
  r.pids_limit = flags.pids_limit;
  if (flags.cpu_shares) {
    if (*flags.cpu_shares < 0) {
      return user_error("invalid --cpu-shares {}: must be between 2 and 262144", *flags.cpu_shares);
    }
    r.cpu_shares = static_cast<uint64_t>(*flags.cpu_shares);
  }
  if (!flags.cpuset_cpus.empty()) r.cpuset_cpus = flags.cpuset_cpus;
  return r;
}

}  // namespace pocker::cli
