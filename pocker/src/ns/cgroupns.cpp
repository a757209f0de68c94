// Cgroup namespace: /proc/self/cgroup shows paths relative to the cgroup
// the process was in when the namespace was made. The child unshares it
// only after the parent moved it into the container's cgroup, so inside
// it sees `0::/` instead of the host's `0::/pocker/<id>`.
#include <sched.h>

#include "pocker/namespaces.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<void> cgroupns_enter() {
  // handout(lv1.cgroupns) begin: leave the host's cgroup namespace for a new one (unshare(2))
  if (::unshare(CLONE_NEWCGROUP) < 0) return sys_error("unshare(CLONE_NEWCGROUP)");
  trace("unshare(CLONE_NEWCGROUP) = ok");
  // handout(lv1.cgroupns) end
  return ok();
}

}  // namespace pocker
