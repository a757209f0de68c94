// The lv2 flags run and update share: --cpus, --memory and friends.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "pocker/cgroup.hpp"
#include "pocker/error.hpp"

namespace pocker::cli {

/// The flags as typed; parse_resources() turns them into Resources.
struct ResourceFlags {
  std::string cpus, memory, memory_swap, cpuset_cpus;
  std::optional<int64_t> pids_limit;
  std::optional<int64_t> cpu_shares;  // signed, so "-1" is an error, not 2^64-1
};

/// Registers --cpus, -m/--memory, --memory-swap, --pids-limit,
/// --cpuset-cpus and --cpu-shares on `command`.
void add_resource_flags(CLI::App* command, ResourceFlags& flags);

/// The flags given, in docker's units and rules; the ones not given stay
/// unset. Only each value on its own is checked here: the whole set goes
/// through validate() (pocker/cgroup.hpp) once it is complete.
Result<Resources> parse_resources(const ResourceFlags& flags);

}  // namespace pocker::cli
