/// @file
/// @brief lv0: creating, running and waiting for processes.
///
/// The container's first process is made with clone3(2) (falling back to
/// clone(2) on kernels before 5.3). Without CLONE_VM the child gets a copy
/// of the parent's memory, exactly like fork(2), so the child can simply run
/// a function and then _exit. Namespace flags and, on cgroup v2, the target
/// cgroup are passed at creation time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pocker/error.hpp"

namespace pocker {

/// How a process ended.
struct ExitStatus {
  int code = 0;     ///< exit code when it exited normally
  int signal = 0;   ///< signal number when it was killed, else 0
  bool core = false;  ///< with `signal`: the kernel wrote a core dump

  /// The status a shell reports: the exit code, or 128+signal.
  int shell_code() const { return signal ? 128 + signal : code; }
  /// `exited 3` or `killed by SIGKILL`.
  std::string describe() const;
  /// Decodes a waitpid(2) status word (WIFEXITED / WIFSIGNALED).
  static ExitStatus from_wait_status(int status);
};

/// What to pass to clone3 besides the function to run.
struct CloneOptions {
  uint64_t flags = 0;  ///< CLONE_NEW* flags
  int cgroup_fd = -1;  ///< cgroup v2 directory to start in (CLONE_INTO_CGROUP), or -1
};

/// Renders clone flags as `CLONE_NEWPID|CLONE_NEWNS` for --trace and errors.
std::string clone_flags_string(uint64_t flags);

/// A child process this object owns. Unless released or waited for, the
/// destructor kills it with SIGKILL and reaps it, so an early return in
/// the parent never leaves a stray process behind.
class Child {
 public:
  Child() = default;
  /// Takes ownership of the running child `pid`.
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  /// Takes over `other`'s child; `other` owns nothing afterwards.
  Child(Child&& other) noexcept;
  /// Kills and reaps the child owned so far (if any), then takes over
  /// `other`'s: ownership moves, a process is never leaked.
  Child& operator=(Child&& other) noexcept;

  /// The child's pid; -1 once it was waited for or released.
  pid_t pid() const { return pid_; }
  /// Waits for the child to end (retrying on EINTR) and returns its status.
  Result<ExitStatus> wait();
  /// Sends a signal; the child is still owned.
  Result<void> kill(int signal) const;
  /// Stops owning the child, which will not be killed on destruction.
  [[nodiscard]] pid_t release();

 private:
  pid_t pid_ = -1;
};

/// Runs `child_main` in a new process made with the given clone options.
/// In the child, `child_main`'s return value becomes the exit status; the
/// function never returns there. Returns the owned Child in the parent.
Result<Child> spawn(const CloneOptions& options, const std::function<int()>& child_main);

/// Waits for `pid`, retrying on EINTR.
Result<ExitStatus> wait_for(pid_t pid);

/// Looks `name` up in `path` (a PATH-style list) the way a shell does and
/// execs it with `args` and `env`. Only returns on failure, with the errno
/// that best explains it (ENOENT if never found, EACCES if found but not
/// executable). Unlike execvpe(3) it uses the given PATH, not our own.
/// The command starts with SIGPIPE's default action, which pocker ignores.
Error exec_in_path(const std::vector<std::string>& args, const std::vector<std::string>& env,
                   const std::string& path);

/// The value of `key` in a KEY=VALUE list, or `fallback`.
std::string env_lookup(const std::vector<std::string>& env, const std::string& key,
                       const std::string& fallback = {});

}  // namespace pocker
