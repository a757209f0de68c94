// Where the lifecycle lesson explains what each lab checks; failure messages print these, in the
// student's language (support/lang.hpp). One place to update when the lesson's steps move
// (lessons/lifecycle/README.md has the same table).
#pragma once

#include "support/lang.hpp"

namespace lab::lifecycle {

inline constexpr Hint kMonitor{
    "lessons/lifecycle step 1 (the monitor: who watches a detached container, keeps its log, records its exit)",
    "lessons/lifecycle/README.zh-CN.md 第 1 步（监控进程：谁看着后台容器、保存它的日志、记录它的退出）"};
inline constexpr Hint kState{
    "lessons/lifecycle step 1 (the state directory and names: ps -a, inspect, wait, rm)",
    "lessons/lifecycle/README.zh-CN.md 第 1 步（状态目录和名字：ps -a、inspect、wait、rm）"};
inline constexpr Hint kPid1{"lessons/lifecycle step 2 (PID 1: zombies and signals, stop, --init)",
                            "lessons/lifecycle/README.zh-CN.md 第 2 步（PID 1：僵尸进程和信号，stop，--init）"};
inline constexpr Hint kExec{"lessons/lifecycle step 3 (exec: setns(2) and pid_for_children)",
                            "lessons/lifecycle/README.zh-CN.md 第 3 步（exec：setns(2) 和 pid_for_children）"};
inline constexpr Hint kOneAtATime{
    "lessons/lifecycle step 1, \"One operation at a time\" (the operation lock: start, stop, kill, rm, exec, cp)",
    "lessons/lifecycle/README.zh-CN.md 第 1 步，“一次只做一个操作”（操作锁：start、stop、kill、rm、exec、cp）"};
inline constexpr Hint kUnreadable{
    "lessons/lifecycle step 1, \"When a state file cannot be read\" (ps -a says unknown, rm -f removes it)",
    "lessons/lifecycle/README.zh-CN.md 第 1 步，“状态文件读不出来时”（ps -a 显示 unknown，rm -f 删掉它）"};
inline constexpr Hint kVolumes{
    "lessons/lifecycle step 4 (volumes: -v, :ro, --tmpfs, --read-only, and cp)",
    "lessons/lifecycle/README.zh-CN.md 第 4 步（数据卷：-v、:ro、--tmpfs、--read-only 和 cp）"};
inline constexpr Hint kPockerDies{
    "lessons/lifecycle step 1, \"When pocker itself dies\" (--rm containers of a killed pocker, SIGPIPE, a full disk)",
    "lessons/lifecycle/README.zh-CN.md 第 1 步，“pocker 自己死掉时”（被杀死的 pocker 留下的 --rm 容器、SIGPIPE、磁盘满）"};

inline constexpr const char* kAttach =
    "lessons/lifecycle step 5 (attach: the monitor keeps the pty or stdin and serves attach.sock; ctrl-p ctrl-q)";
inline constexpr const char* kLayer =
    "lessons/lifecycle step 6 (diff and export: the overlay's upper directory, whiteouts, a tar of /)";
inline constexpr const char* kFilter = "lessons/lifecycle step 7 (ps --filter, system df: the store as a whole)";

}  // namespace lab::lifecycle
