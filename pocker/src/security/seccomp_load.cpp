// Child side: hand the compiled program to the kernel. Plain seccomp(2),
// no libseccomp: the child only loads what the parent compiled.
#include "pocker/seccomp.hpp"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <limits>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "pocker/trace.hpp"

namespace pocker {

Result<void> load_seccomp(const SeccompProgram& program) {
  if (program.insns.empty()) return ok();  // unconfined
  if (program.insns.size() > std::numeric_limits<unsigned short>::max())
    return user_error("seccomp: a program of {} instructions is too long", program.insns.size());
  sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(program.insns.size());
  // Insn has sock_filter's layout (checked in seccomp_compile.cpp); the
  // kernel only reads the program.
  fprog.filter = reinterpret_cast<sock_filter*>(const_cast<SeccompProgram::Insn*>(program.insns.data()));
  // glibc has no wrapper for seccomp(2) before 2.36's headers; the raw call
  // is the same everywhere.
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
    return sys_error("seccomp: load a filter of {} instructions", program.insns.size());
  trace("seccomp(SECCOMP_SET_MODE_FILTER, {} instructions) = 0", program.insns.size());
  return ok();
}

std::string seccomp_unavailable_reason() {
  // PR_GET_SECCOMP answers EINVAL on a kernel built without seccomp
  // (CONFIG_SECCOMP); actions_avail exists only with filter support
  // (CONFIG_SECCOMP_FILTER, Linux 4.14+).
  if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
    return "the kernel was built without seccomp (CONFIG_SECCOMP)";
  if (::access("/proc/sys/kernel/seccomp/actions_avail", R_OK) != 0)
    return "the kernel has no seccomp filters (no /proc/sys/kernel/seccomp/actions_avail)";
  return "";
}

}  // namespace pocker
