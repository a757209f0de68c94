// Internal to the runtime: what pocker can still do with a container
// whose state.json or config.json cannot be read (a disk error, a hand
// edit): name what is wrong, and remove it by what it has.
#pragma once

#include <string>

#include "pocker/error.hpp"
#include "pocker/lifecycle.hpp"
#include "pocker/state.hpp"

namespace pocker {

/// rm -f of a container whose state cannot be read, so whose pids are
/// unknown: kills its detached monitor (found as the process whose stdout
/// is the container's log; the container dies with it, PR_SET_PDEATHSIG)
/// and whatever is in its cgroup, then removes its directory and name,
/// and warns on stderr that `why` was ignored. The caller holds the
/// container's operation lock.
Result<void> remove_unreadable(StateStore& store, const std::string& id, const Error& why);

}  // namespace pocker
