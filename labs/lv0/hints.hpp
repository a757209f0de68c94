// Where the lv0 lesson explains what each lab checks; failure messages print these. One place to
// update when the lesson's steps move.
#pragma once

namespace lab::lv0 {

inline constexpr const char* kCli = "lessons/lv0-syscalls step 0 (the command line: pocker run IMAGE COMMAND)";
inline constexpr const char* kExitStatus = "lessons/lv0-syscalls step 1 (wait and exit status)";
inline constexpr const char* kSignalDeath = "lessons/lv0-syscalls step 2 (death by signal: status 128+N)";
inline constexpr const char* kExecErrors = "lessons/lv0-syscalls step 3 (execve errors: 126 and 127)";
inline constexpr const char* kOwnErrors = "lessons/lv0-syscalls step 4 (pocker's own failures: 125)";
inline constexpr const char* kArgvEnv = "lessons/lv0-syscalls step 5 (argv, envp and the working directory)";
inline constexpr const char* kStdio = "lessons/lv0-syscalls step 6 (stdin, stdout and stderr)";
inline constexpr const char* kRoot = "lessons/lv0-syscalls step 7 (a root of its own: chroot and pivot_root)";
inline constexpr const char* kForwarding = "lessons/lv0-syscalls step 8 (forwarding signals to the container)";

}  // namespace lab::lv0
