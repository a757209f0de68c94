// Where the lv0 lesson explains what each lab checks; failure messages print these. One place to
// update when the lesson's steps move (lessons/lv0-syscalls/README.md has the same table).
#pragma once

namespace lab::lv0 {

inline constexpr const char* kCli = "lessons/lv0-syscalls step 4 (the pocker process API and its exit codes)";
inline constexpr const char* kExitStatus = "lessons/lv0-syscalls step 1 (fork, exec, wait: the exit status)";
inline constexpr const char* kSignalDeath = "lessons/lv0-syscalls step 1 (death by signal: status 128+N)";
inline constexpr const char* kExecErrors = "lessons/lv0-syscalls step 4 (exec failures become 126 and 127)";
inline constexpr const char* kOwnErrors = "lessons/lv0-syscalls step 4 (pocker's own failures: 125)";
inline constexpr const char* kArgvEnv = "lessons/lv0-syscalls step 4 (argv, env and working directory; chdir in step 3)";
inline constexpr const char* kStdio = "lessons/lv0-syscalls step 1 (the child inherits stdin, stdout and stderr)";
inline constexpr const char* kRoot = "lessons/lv0-syscalls step 3 (a root of its own: chroot)";
inline constexpr const char* kForwarding = "lessons/lv0-syscalls step 4 (forwarding signals to the container)";

}  // namespace lab::lv0
