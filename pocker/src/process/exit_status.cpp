#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "pocker/process.hpp"

namespace pocker {

ExitStatus ExitStatus::from_wait_status(int status) {
  ExitStatus result;
  // handout(lv0.exit-status) begin: decode the wait status: the exit code, or the signal (and core)
  if (WIFEXITED(status)) {
    result.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.core = WCOREDUMP(status);
  }
  // handout(lv0.exit-status) stub:
  // (void)status;
  // handout(lv0.exit-status) end
  return result;
}

std::string ExitStatus::describe() const {
  if (signal == 0) return fmt::format("exited {}", code);
  const char* abbrev = sigabbrev_np(signal);
  return fmt::format("killed by SIG{}{}", abbrev ? abbrev : std::to_string(signal).c_str(),
                     core ? " (core dumped)" : "");
}

}  // namespace pocker
