// Where the lv0 lesson explains what each lab checks; failure messages print these, in the
// student's language (support/lang.hpp). One place to update when the lesson's steps move
// (lessons/lv0-syscalls/README.md has the same table).
#pragma once

#include "support/lang.hpp"

namespace lab::lv0 {

inline constexpr Hint kCli{"lessons/lv0-syscalls step 4 (the pocker process API and its exit codes)",
                           "lessons/lv0-syscalls/README.zh-CN.md 第 4 步（pocker 的进程 API 和它的退出码）"};
inline constexpr Hint kExitStatus{"lessons/lv0-syscalls step 1 (fork, exec, wait: the exit status)",
                                  "lessons/lv0-syscalls/README.zh-CN.md 第 1 步（fork、exec、wait：退出状态）"};
inline constexpr Hint kSignalDeath{"lessons/lv0-syscalls step 1 (death by signal: status 128+N)",
                                   "lessons/lv0-syscalls/README.zh-CN.md 第 1 步（被信号杀死：状态 128+N）"};
inline constexpr Hint kExecErrors{"lessons/lv0-syscalls step 4 (exec failures become 126 and 127)",
                                  "lessons/lv0-syscalls/README.zh-CN.md 第 4 步（exec 失败变成 126 和 127）"};
inline constexpr Hint kOwnErrors{"lessons/lv0-syscalls step 4 (pocker's own failures: 125)",
                                 "lessons/lv0-syscalls/README.zh-CN.md 第 4 步（pocker 自己的失败：125）"};
inline constexpr Hint kArgvEnv{
    "lessons/lv0-syscalls step 4 (argv, env and working directory; chdir in step 3)",
    "lessons/lv0-syscalls/README.zh-CN.md 第 4 步（argv、环境变量和工作目录；chdir 见第 3 步）"};
inline constexpr Hint kStdio{"lessons/lv0-syscalls step 1 (the child inherits stdin, stdout and stderr)",
                             "lessons/lv0-syscalls/README.zh-CN.md 第 1 步（子进程继承 stdin、stdout 和 stderr）"};
inline constexpr Hint kRoot{"lessons/lv0-syscalls step 3 (a root of its own: chroot)",
                            "lessons/lv0-syscalls/README.zh-CN.md 第 3 步（自己的根目录：chroot）"};
inline constexpr Hint kForwarding{"lessons/lv0-syscalls step 4 (forwarding signals to the container)",
                                  "lessons/lv0-syscalls/README.zh-CN.md 第 4 步（把信号转发给容器）"};

}  // namespace lab::lv0
