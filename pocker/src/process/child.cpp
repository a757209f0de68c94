#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include <utility>

#include "pocker/process.hpp"

namespace pocker {

Result<ExitStatus> wait_for(pid_t pid) {
  int status = 0;
  // Signal handlers that forward SIGTERM etc. interrupt waitpid; just retry.
  while (::waitpid(pid, &status, __WALL) < 0) {
    if (errno != EINTR) return sys_error("waitpid {}", pid);
  }
  return ExitStatus::from_wait_status(status);
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    (void)wait_for(pid_);
  }
}

Child::Child(Child&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    Child dying(std::exchange(pid_, std::exchange(other.pid_, -1)));
  }
  return *this;
}

Result<ExitStatus> Child::wait() {
  auto status = wait_for(pid_);
  if (status) pid_ = -1;  // reaped: nothing left to kill
  return status;
}

Result<void> Child::kill(int signal) const {
  if (::kill(pid_, signal) < 0) return sys_error("kill {} signal {}", pid_, signal);
  return ok();
}

pid_t Child::release() { return std::exchange(pid_, -1); }

}  // namespace pocker
