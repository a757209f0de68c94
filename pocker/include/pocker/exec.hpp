/// @file
/// @brief `pocker exec`: run another process in a running container.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "pocker/runtime.hpp"
#include "pocker/spec.hpp"

namespace pocker {

/// Runs `process` in every namespace of the container whose first process
/// is `container_pid`, and in its cgroup (`cgroup_path`, relative, e.g.
/// `/pocker/<id>`; empty: none). Waits for it, like a foreground run.
/// It is confined as the container is (`security`: capabilities, seccomp,
/// no_new_privs); `privileged` (exec --privileged) gives it every
/// capability, and the container's seccomp profile compiled for them.
/// `store_root` holds the seccomp cache. `launched`, if set, is called once
/// the command runs, before the wait for it: the caller's operation lock
/// (pocker/op_lock.hpp) covers the set-up only.
Result<RunOutcome> exec_in_container(pid_t container_pid, const std::string& cgroup_path,
                                     const ProcessSpec& process, const SecuritySpec& security,
                                     bool privileged, const std::string& store_root,
                                     const std::function<void()>& launched = {});

}  // namespace pocker
