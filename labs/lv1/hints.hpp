// Where the lv1 lesson explains what each lab checks; failure messages print these, in the
// student's language (support/lang.hpp). One place to update when the lesson's steps move.
#pragma once

#include "support/lang.hpp"

namespace lab::lv1 {

inline constexpr Hint kUts{"lessons/lv1-namespaces step 1 (UTS: a hostname of its own)",
                           "lessons/lv1-namespaces/README.zh-CN.md 第 1 步（UTS：自己的主机名）"};
inline constexpr Hint kPid{"lessons/lv1-namespaces step 2 (PID namespace and a fresh /proc)",
                           "lessons/lv1-namespaces/README.zh-CN.md 第 2 步（PID 命名空间和一个新的 /proc）"};
inline constexpr Hint kMount{"lessons/lv1-namespaces step 3 (mount namespace and pivot_root)",
                             "lessons/lv1-namespaces/README.zh-CN.md 第 3 步（挂载命名空间和 pivot_root）"};
inline constexpr Hint kBreakout{"lessons/lv1-namespaces step 4 (the chroot breakout)",
                                "lessons/lv1-namespaces/README.zh-CN.md 第 4 步（chroot 逃逸）"};
inline constexpr Hint kIpc{"lessons/lv1-namespaces step 5 (IPC namespace: System V objects)",
                           "lessons/lv1-namespaces/README.zh-CN.md 第 5 步（IPC 命名空间：System V 对象）"};
inline constexpr Hint kNet{"lessons/lv1-namespaces step 6 (network namespace: only lo)",
                           "lessons/lv1-namespaces/README.zh-CN.md 第 6 步（网络命名空间：只有 lo）"};
inline constexpr Hint kUser{"lessons/lv1-namespaces step 7 (user namespace and rootless)",
                            "lessons/lv1-namespaces/README.zh-CN.md 第 7 步（用户命名空间和 rootless）"};
inline constexpr Hint kCgroup{"lessons/lv1-namespaces step 8 (cgroup namespace)",
                              "lessons/lv1-namespaces/README.zh-CN.md 第 8 步（cgroup 命名空间）"};

}  // namespace lab::lv1
