// Resources: docker's rules for resource limits, checked once before anything
// is created, so a bad value ends `pocker run` with exit 125 and no cgroup.
#include <algorithm>
#include <cstdint>

#include "pocker/cgroup.hpp"
#include "pocker/parse.hpp"

namespace pocker {

bool Resources::empty() const {
  return !cpus && !memory && !memory_swap && !pids_limit && !cpuset_cpus && !cpu_shares;
}

std::optional<int64_t> effective_memory_swap(const Resources& r) {
  if (r.memory_swap) return r.memory_swap;
  // docker: "if --memory-swap is unset and --memory is set, the container
  // can use as much swap as the --memory setting", i.e. twice in total.
  if (r.memory) {
    // validate() sets no upper bound on --memory (the kernel clamps it), so
    // twice the limit may not fit in int64: that much is no limit at all,
    // and -1 says so without a signed overflow (found by fuzz/resources_fuzz).
    if (*r.memory > static_cast<uint64_t>(INT64_MAX) / 2) return -1;
    return static_cast<int64_t>(*r.memory * 2);
  }
  return std::nullopt;
}

Result<void> validate(const Resources& r, unsigned host_cpus,
                      const std::vector<unsigned>& online_cpus) {
  // handout(lv2.validate) begin: refuse values the kernel would refuse or misread, before anything is made: each with its range
  if (r.cpus && (*r.cpus < 0.01 || *r.cpus > static_cast<double>(host_cpus))) {
    return user_error("invalid --cpus {}: must be between 0.01 and {}", *r.cpus, host_cpus);
  }
  if (r.memory && *r.memory < kMinMemory) {
    return user_error("invalid --memory {} bytes: minimum memory limit allowed is 6MB ({} bytes)",
                      *r.memory, kMinMemory);
  }
  if (r.memory_swap && *r.memory_swap != -1) {
    if (*r.memory_swap < -1) {
      return user_error(
          "invalid --memory-swap {}: must be -1 (unlimited swap) or a size of at least --memory",
          *r.memory_swap);
    }
    if (!r.memory) {
      return user_error(
          "invalid --memory-swap {} bytes: needs --memory too (it is memory plus swap)",
          *r.memory_swap);
    }
    if (static_cast<uint64_t>(*r.memory_swap) < *r.memory) {
      return user_error(
          "invalid --memory-swap {} bytes: must be at least --memory ({} bytes), or -1 for "
          "unlimited swap",
          *r.memory_swap, *r.memory);
    }
  }
  if (r.pids_limit && *r.pids_limit < -1) {
    return user_error(
        "invalid --pids-limit {}: must be a positive number, or 0 or -1 for unlimited",
        *r.pids_limit);
  }
  // The kernel's own bounds for cpu.shares (MIN_SHARES and MAX_SHARES in
  // kernel/sched/sched.h); cgroup v2's cpu.weight maps onto the same range.
  if (r.cpu_shares && (*r.cpu_shares < 2 || *r.cpu_shares > 262144)) {
    return user_error("invalid --cpu-shares {}: must be between 2 and 262144", *r.cpu_shares);
  }
  if (r.cpuset_cpus) {
    auto cpus = TRY_CTX(parse_cpu_list(*r.cpuset_cpus), "invalid --cpuset-cpus");
    for (unsigned cpu : cpus) {
      if (std::find(online_cpus.begin(), online_cpus.end(), cpu) == online_cpus.end()) {
        return user_error("invalid --cpuset-cpus \"{}\": CPU {} is not online (online CPUs: {})",
                          *r.cpuset_cpus, cpu, format_cpu_list(online_cpus));
      }
    }
  }
  // handout(lv2.validate) stub:
  // (void)r;
  // (void)host_cpus;
  // (void)online_cpus;
  // handout(lv2.validate) end
  return ok();
}

}  // namespace pocker
