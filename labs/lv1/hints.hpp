// Where the lv1 lesson explains what each lab checks; failure messages print these. One place to
// update when the lesson's steps move.
#pragma once

namespace lab::lv1 {

inline constexpr const char* kUts = "lessons/lv1-namespaces step 1 (UTS: a hostname of its own)";
inline constexpr const char* kPid = "lessons/lv1-namespaces step 2 (PID namespace and a fresh /proc)";
inline constexpr const char* kMount = "lessons/lv1-namespaces step 3 (mount namespace and pivot_root)";
inline constexpr const char* kBreakout = "lessons/lv1-namespaces step 4 (the chroot breakout)";
inline constexpr const char* kIpc = "lessons/lv1-namespaces step 5 (IPC namespace: System V objects)";
inline constexpr const char* kNet = "lessons/lv1-namespaces step 6 (network namespace: only lo)";
inline constexpr const char* kUser = "lessons/lv1-namespaces step 7 (user namespace and rootless)";
inline constexpr const char* kCgroup = "lessons/lv1-namespaces step 8 (cgroup namespace)";

}  // namespace lab::lv1
