// UTS namespace: the hostname (and NIS domain name) a process sees.
// With CLONE_NEWUTS, sethostname(2) changes only the container's copy.
#include <unistd.h>

#include "pocker/namespaces.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<void> uts_set_hostname(const std::string& hostname) {
  // handout(lv1.uts) begin: set the container's hostname (sethostname(2)); the clone already made a new UTS namespace
  if (::sethostname(hostname.c_str(), hostname.size()) < 0) {
    return sys_error("sethostname \"{}\"", hostname);
  }
  trace("sethostname(\"{}\") = ok", hostname);
  // handout(lv1.uts) stub:
  // (void)hostname;
  // handout(lv1.uts) end
  return ok();
}

}  // namespace pocker
