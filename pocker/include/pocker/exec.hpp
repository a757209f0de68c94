/// @file
/// @brief `pocker exec`: run another process in a running container.
#pragma once

#include <sys/types.h>

#include <string>

#include "pocker/runtime.hpp"
#include "pocker/spec.hpp"

namespace pocker {

/// Runs `process` in every namespace of the container whose first process
/// is `container_pid`, and in its cgroup (`cgroup_path`, relative, e.g.
/// `/pocker/<id>`; empty: none). Waits for it, like a foreground run.
Result<RunOutcome> exec_in_container(pid_t container_pid, const std::string& cgroup_path,
                                     const ProcessSpec& process);

}  // namespace pocker
