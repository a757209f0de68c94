// Where the security lesson explains what each lab checks; failure messages print these, in the
// student's language (support/lang.hpp). One place to update when the lesson's steps move.
#pragma once

#include "support/lang.hpp"

namespace lab::security {

inline constexpr Hint kCaps{
    "lessons/security/README.md step 1 (capabilities: docker's 14 and the bounding set)",
    "lessons/security/README.zh-CN.md 第 1 步（能力 capabilities：docker 的 14 个和边界集）"};
inline constexpr Hint kDevices{"lessons/security/README.md step 2 (the device cgroup: mknod yes, open no)",
                               "lessons/security/README.zh-CN.md 第 2 步（设备控制组：可以 mknod，不能 open）"};
inline constexpr Hint kSeccomp{"lessons/security/README.md step 3 (seccomp: docker's default profile)",
                               "lessons/security/README.zh-CN.md 第 3 步（seccomp：docker 的默认配置）"};
inline constexpr Hint kNoNewPrivs{"lessons/security/README.md step 4 (no_new_privs and setuid binaries)",
                                  "lessons/security/README.zh-CN.md 第 4 步（no_new_privs 和 setuid 程序）"};
inline constexpr Hint kMasks{
    "lessons/security/README.md step 5 (masked and read-only /proc and /sys, and what CAP_SYS_ADMIN would undo)",
    "lessons/security/README.zh-CN.md 第 5 步（被屏蔽和只读的 /proc 与 /sys，以及 CAP_SYS_ADMIN 能撤销什么）"};
inline constexpr Hint kFds{"lessons/security/README.md step 6 (descriptors and the working directory)",
                           "lessons/security/README.zh-CN.md 第 6 步（文件描述符和工作目录）"};

}  // namespace lab::security
