#include <sched.h>

#include "pocker/namespaces.hpp"

namespace pocker {

uint64_t clone_flags(const NamespaceConfig& config) {
  uint64_t flags = 0;
  if (config.user) flags |= CLONE_NEWUSER;  // first: it owns the others
  if (config.mount) flags |= CLONE_NEWNS;
  if (config.uts) flags |= CLONE_NEWUTS;
  // handout(lv1.ipc) begin: a new IPC namespace when config.ipc is set
  if (config.ipc) flags |= CLONE_NEWIPC;
  // handout(lv1.ipc) end
  // handout(lv1.pid) begin: a new PID namespace when config.pid is set
  if (config.pid) flags |= CLONE_NEWPID;
  // handout(lv1.pid) end
  // handout(lv1.net) begin: a new network namespace when config.net is set
  if (config.net) flags |= CLONE_NEWNET;
  // handout(lv1.net) end
  return flags;
}

}  // namespace pocker
