#include <sched.h>

#include "pocker/namespaces.hpp"

namespace pocker {

uint64_t clone_flags(const NamespaceConfig& config) {
  uint64_t flags = 0;
  if (config.user) flags |= CLONE_NEWUSER;  // first: it owns the others
  if (config.mount) flags |= CLONE_NEWNS;
  if (config.uts) flags |= CLONE_NEWUTS;
  if (config.ipc) flags |= CLONE_NEWIPC;
  if (config.pid) flags |= CLONE_NEWPID;
  if (config.net) flags |= CLONE_NEWNET;
  return flags;
}

}  // namespace pocker
