// clone + exit + wait, per namespace flag (lessons lv0 and lv1).
//
// spawn/<flag>: pocker::spawn() with that one CLONE_NEW* flag; the child
// returns at once and the parent waits for it. What differs between the
// rows is the cost of creating *and tearing down* that namespace: the
// parent's wait only returns once the child has released it (network and
// IPC namespaces are the slow ones; their cleanup partly runs in kernel
// work queues, so bursts of them also load the other core).
//
// raw_clone3/none: the same no-flag cycle with a bare syscall(SYS_clone3),
// to show what spawn()'s std::function and Result wrapping add (nothing
// measurable is the expected answer).
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "bench.hpp"
#include "pocker/namespaces.hpp"
#include "pocker/process.hpp"

namespace pocker::bench {
namespace {

void spawn_exit_wait(benchmark::State& state, uint64_t flags) {
  // A user namespace alone can be made without privilege (where the
  // distribution allows it); every other namespace needs CAP_SYS_ADMIN.
  if (flags != 0 && flags != CLONE_NEWUSER && skip_unless_root(state)) return;
  for (auto _ : state) {
    auto child = spawn(CloneOptions{flags, -1}, [] { return 0; });
    if (!child) {
      state.SkipWithError(child.error().message().c_str());
      break;
    }
    auto status = child.value().wait();
    if (!status || status.value().shell_code() != 0) {
      state.SkipWithError(status ? "child did not exit 0" : status.error().message().c_str());
      break;
    }
  }
}

void raw_clone3_exit_wait(benchmark::State& state) {
  for (auto _ : state) {
    struct clone_args args {};
    args.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) ::_exit(0);
    if (pid < 0) {
      state.SkipWithError((std::string("clone3: ") + std::strerror(errno)).c_str());
      break;
    }
    int status = 0;
    while (::waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
    }
  }
}

struct FlagCase {
  const char* name;
  uint64_t flags;
};

constexpr uint64_t kAllNamespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID |
                                    CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWUSER;

constexpr std::array<FlagCase, 9> kCases{{
    {"none", 0},
    {"CLONE_NEWNS", CLONE_NEWNS},
    {"CLONE_NEWUTS", CLONE_NEWUTS},
    {"CLONE_NEWIPC", CLONE_NEWIPC},
    {"CLONE_NEWPID", CLONE_NEWPID},
    {"CLONE_NEWNET", CLONE_NEWNET},
    {"CLONE_NEWCGROUP", CLONE_NEWCGROUP},
    {"CLONE_NEWUSER", CLONE_NEWUSER},
    {"all", kAllNamespaces},
}};

}  // namespace

void register_clone_benchmarks() {
  for (const auto& c : kCases) {
    configure(benchmark::RegisterBenchmark((std::string("spawn/") + c.name).c_str(),
                                           spawn_exit_wait, c.flags));
  }
  // What `pocker run` asks clone3 for by default (no user namespace, and
  // the cgroup namespace unshared later by the child).
  configure(benchmark::RegisterBenchmark("spawn/pocker_default", spawn_exit_wait,
                                         clone_flags(NamespaceConfig{})));
  configure(benchmark::RegisterBenchmark("raw_clone3/none", raw_clone3_exit_wait));
}

}  // namespace pocker::bench
