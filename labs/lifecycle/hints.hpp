// Where the lifecycle lesson explains what each lab checks; failure messages print these. One place
// to update when the lesson's steps move (lessons/lifecycle/README.md has the same table).
#pragma once

namespace lab::lifecycle {

inline constexpr const char* kMonitor =
    "lessons/lifecycle step 1 (the monitor: who watches a detached container, keeps its log, records its exit)";
inline constexpr const char* kState =
    "lessons/lifecycle step 1 (the state directory and names: ps -a, inspect, wait, rm)";
inline constexpr const char* kPid1 = "lessons/lifecycle step 2 (PID 1: zombies and signals, stop, --init)";
inline constexpr const char* kExec = "lessons/lifecycle step 3 (exec: setns(2) and pid_for_children)";
inline constexpr const char* kOneAtATime =
    "lessons/lifecycle step 1, \"One operation at a time\" (the operation lock: start, stop, kill, rm, exec, cp)";
inline constexpr const char* kUnreadable =
    "lessons/lifecycle step 1, \"When a state file cannot be read\" (ps -a says unknown, rm -f removes it)";
inline constexpr const char* kVolumes = "lessons/lifecycle step 4 (volumes: -v, :ro, --tmpfs, --read-only, and cp)";
inline constexpr const char* kPockerDies =
    "lessons/lifecycle step 1, \"When pocker itself dies\" (--rm containers of a killed pocker, SIGPIPE, a full disk)";

inline constexpr const char* kAttach =
    "lessons/lifecycle step 5 (attach: the monitor keeps the pty or stdin and serves attach.sock; ctrl-p ctrl-q)";
inline constexpr const char* kLayer =
    "lessons/lifecycle step 6 (diff and export: the overlay's upper directory, whiteouts, a tar of /)";
inline constexpr const char* kFilter = "lessons/lifecycle step 7 (ps --filter, system df: the store as a whole)";

}  // namespace lab::lifecycle
