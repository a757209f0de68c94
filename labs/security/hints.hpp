// Where the security lesson explains what each lab checks; failure messages print these. One place
// to update when the lesson's steps move.
#pragma once

namespace lab::security {

inline constexpr const char* kCaps = "lessons/security/README.md step 1 (capabilities: docker's 14 and the bounding set)";
inline constexpr const char* kDevices = "lessons/security/README.md step 2 (the device cgroup: mknod yes, open no)";
inline constexpr const char* kSeccomp = "lessons/security/README.md step 3 (seccomp: docker's default profile)";
inline constexpr const char* kNoNewPrivs = "lessons/security/README.md step 4 (no_new_privs and setuid binaries)";
inline constexpr const char* kMasks =
    "lessons/security/README.md step 5 (masked and read-only /proc and /sys, and what CAP_SYS_ADMIN would undo)";
inline constexpr const char* kFds = "lessons/security/README.md step 6 (descriptors and the working directory)";

}  // namespace lab::security
