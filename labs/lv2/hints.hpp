// Where the lv2 lesson explains what each lab checks; failure messages print these, in the
// student's language (support/lang.hpp). One place to update when the lesson's steps move.
#pragma once

#include "support/lang.hpp"

namespace lab::lv2 {

inline constexpr Hint kCgroup{
    "lessons/lv2-cgroups step 0 (what a cgroup is: one directory per container)",
    "lessons/lv2-cgroups/README.zh-CN.md 第 0 步（控制组是什么：每个容器一个目录）"};
inline constexpr Hint kFiles{"lessons/lv2-cgroups step 0, \"The files, side by side\" (v1 and v2)",
                             "lessons/lv2-cgroups/README.zh-CN.md 第 0 步，“文件对照”（v1 和 v2）"};
inline constexpr Hint kCpus{"lessons/lv2-cgroups step 1 (--cpus becomes a quota per period)",
                            "lessons/lv2-cgroups/README.zh-CN.md 第 1 步（--cpus 变成每个周期的配额）"};
inline constexpr Hint kMemory{"lessons/lv2-cgroups step 2 (memory limits and the OOM killer)",
                              "lessons/lv2-cgroups/README.zh-CN.md 第 2 步（内存限制和 OOM killer）"};
inline constexpr Hint kPids{"lessons/lv2-cgroups step 3 (pids.max: a cap on fork)",
                            "lessons/lv2-cgroups/README.zh-CN.md 第 3 步（pids.max：给 fork 设上限）"};
inline constexpr Hint kCpuset{
    "lessons/lv2-cgroups step 4 (the same limits through pocker: --cpuset-cpus, which CPUs it may run on)",
    "lessons/lv2-cgroups/README.zh-CN.md 第 4 步（通过 pocker 设置同样的限制：--cpuset-cpus，它能在哪些 CPU 上运行）"};
inline constexpr Hint kUsage{
    "lessons/lv2-cgroups step 0, \"The files, side by side\" (reading usage back from the counters)",
    "lessons/lv2-cgroups/README.zh-CN.md 第 0 步，“文件对照”（从计数器读回用量）"};
inline constexpr Hint kCleanup{"lessons/lv2-cgroups, \"Cleanup: nobody may leave a cgroup behind\"",
                               "lessons/lv2-cgroups/README.zh-CN.md，“清理：谁都不能留下控制组”"};
inline constexpr Hint kRootless{
    "lessons/lv2-cgroups, \"Rootless: delegation\" (limits in a cgroup v2 subtree root gave you)",
    "lessons/lv2-cgroups/README.zh-CN.md，“Rootless：委派”（在 root 交给你的 cgroup v2 子树里设限制）"};
inline constexpr Hint kControl{
    "lessons/lv2-cgroups step 5 (watching and steering a running container: stats, top, pause)",
    "lessons/lv2-cgroups/README.zh-CN.md 第 5 步（观察和控制运行中的容器：stats、top、pause）"};
inline constexpr Hint kView{
    "lessons/lv2-cgroups step 4 (the same limits through pocker: the container's own /sys/fs/cgroup)",
    "lessons/lv2-cgroups/README.zh-CN.md 第 4 步（通过 pocker 设置同样的限制：容器自己的 /sys/fs/cgroup）"};

}  // namespace lab::lv2
