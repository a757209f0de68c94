// spawn(): create the container's first process with clone3(2).
//
// Without CLONE_VM (and without a new stack) clone3 behaves like fork: the
// child continues on a copy of our stack, so it can call an ordinary C++
// function. That is why there is no stack allocation here, unlike the
// classic clone(fn, stack, ...) examples.
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <utility>

#include "pocker/process.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

long raw_clone3(const CloneOptions& options) {
  struct clone_args args {};
  args.flags = options.flags;
  args.exit_signal = SIGCHLD;  // so the parent can waitpid() it normally
  if (options.cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(options.cgroup_fd);
  }
  return ::syscall(SYS_clone3, &args, sizeof args);
}

long raw_clone(const CloneOptions& options) {
  // x86-64 argument order: flags, stack, parent_tid, child_tid, tls.
  // A NULL stack means "use a copy of the current one", as fork does.
  return ::syscall(SYS_clone, options.flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
}

}  // namespace

std::string clone_flags_string(uint64_t flags) {
  static constexpr std::array<std::pair<uint64_t, const char*>, 7> kNames{{
      {CLONE_NEWNS, "CLONE_NEWNS"},
      {CLONE_NEWUTS, "CLONE_NEWUTS"},
      {CLONE_NEWIPC, "CLONE_NEWIPC"},
      {CLONE_NEWPID, "CLONE_NEWPID"},
      {CLONE_NEWNET, "CLONE_NEWNET"},
      {CLONE_NEWUSER, "CLONE_NEWUSER"},
      {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
  }};
  std::string out;
  for (auto [bit, name] : kNames) {
    if (!(flags & bit)) continue;
    if (!out.empty()) out += '|';
    out += name;
  }
  return out.empty() ? "0" : out;
}

Result<Child> spawn(const CloneOptions& options, const std::function<int()>& child_main) {
  long pid = raw_clone3(options);
  const char* call = "clone3";
  if (pid < 0 && errno == ENOSYS && options.cgroup_fd < 0) {
    call = "clone";  // kernels before 5.3
    pid = raw_clone(options);
  }
  if (pid < 0) {
    return sys_error("{}(flags={})", call, clone_flags_string(options.flags));
  }
  if (pid == 0) {
    // The child: run and never return into the parent's code.
    ::_exit(child_main());
  }
  if (options.cgroup_fd >= 0) {
    trace("{}(flags={}, cgroup=fd {}) = {}", call, clone_flags_string(options.flags),
          options.cgroup_fd, pid);
  } else {
    trace("{}(flags={}) = {}", call, clone_flags_string(options.flags), pid);
  }
  return Child(static_cast<pid_t>(pid));
}

}  // namespace pocker
