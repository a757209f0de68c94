// Where the lv2 lesson explains what each lab checks; failure messages print these. One place to
// update when the lesson's steps move.
#pragma once

namespace lab::lv2 {

inline constexpr const char* kCgroup = "lessons/lv2-cgroups step 0 (what a cgroup is: one directory per container)";
inline constexpr const char* kFiles = "lessons/lv2-cgroups step 0, \"The files, side by side\" (v1 and v2)";
inline constexpr const char* kCpus = "lessons/lv2-cgroups step 1 (--cpus becomes a quota per period)";
inline constexpr const char* kMemory = "lessons/lv2-cgroups step 2 (memory limits and the OOM killer)";
inline constexpr const char* kPids = "lessons/lv2-cgroups step 3 (pids.max: a cap on fork)";
inline constexpr const char* kCpuset = "lessons/lv2-cgroups step 4 (the same limits through pocker: --cpuset-cpus, which CPUs it may run on)";
inline constexpr const char* kUsage = "lessons/lv2-cgroups step 0, \"The files, side by side\" (reading usage back from the counters)";
inline constexpr const char* kCleanup = "lessons/lv2-cgroups, \"Cleanup: nobody may leave a cgroup behind\"";
inline constexpr const char* kRootless = "lessons/lv2-cgroups, \"Rootless: delegation\" (limits in a cgroup v2 subtree root gave you)";
inline constexpr const char* kControl =
    "lessons/lv2-cgroups step 5 (watching and steering a running container: stats, top, pause)";
inline constexpr const char* kView = "lessons/lv2-cgroups step 4 (the same limits through pocker: the container's own /sys/fs/cgroup)";

}  // namespace lab::lv2
