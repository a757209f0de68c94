// Resource-pressure commands that let labs watch cgroup limits bite:
// memory (alloc), CPU (burn) and the number of tasks (fork).
#include "probe.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cmath>
#include <system_error>
#include <thread>

namespace probe {

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;  // 1 MiB
constexpr std::size_t kPage = 4096;

double seconds_of(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// What a forked child does: nothing, until it is killed.
[[noreturn]] void park_child(pid_t parent) {
  // If the parent dies before it can clean up (OOM-killed, say), the kernel
  // sends us SIGKILL, so a failed lab run never leaves sleepers behind.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);  // parent was already gone before prctl
  for (;;) pause();
}

}  // namespace

int cmd_alloc(const Args& args) {
  unsigned long long bytes = 0;
  if (!parse_size(args[0], bytes)) usage_error("bad size '" + args[0] + "' (use e.g. 4096, 64k, 100m, 1g)");

  // Memory is charged to the cgroup when a page is first touched, not when it
  // is mapped. Mapping and touching 1 MiB at a time means a memory limit ends
  // the process with an OOM kill part-way through, which is what labs watch
  // for, instead of a single huge mmap failing or succeeding up front.
  unsigned long long done = 0;
  while (done < bytes) {
    std::size_t length = static_cast<std::size_t>(std::min<unsigned long long>(kChunk, bytes - done));
    void* mem = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
      int err = errno;
      print_json({{"allocated", done}, {"requested", bytes}, {"errno", errno_name(err)}});
      return 1;
    }
    // volatile: the writes are the whole point, they must not be optimised away.
    auto* page = static_cast<volatile unsigned char*>(mem);
    for (std::size_t offset = 0; offset < length; offset += kPage) page[offset] = 1;
    done += length;
    // Deliberately never unmapped: the memory stays charged until we exit.
  }
  print_json({{"allocated", bytes}});
  return 0;
}

int cmd_burn(const Args& args) {
  double seconds = 0;
  if (!parse_seconds(args[0], seconds) || !std::isfinite(seconds)) {
    usage_error("bad number of seconds '" + args[0] + "'");
  }
  long long wanted = 1;
  if (args.size() > 1 && (!parse_int(args[1], wanted) || wanted < 1 || wanted > 1024)) {
    usage_error("thread count must be 1..1024, got '" + args[1] + "'");
  }

  using Clock = std::chrono::steady_clock;
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));

  std::vector<std::thread> workers;
  std::optional<int> spawn_error;
  for (long long i = 0; i < wanted; ++i) {
    try {
      // Spin on the clock: pure CPU use, so cpu.max throttling shows directly
      // as cpu_seconds well below seconds * threads.
      workers.emplace_back([deadline] {
        while (Clock::now() < deadline) {
        }
      });
    } catch (const std::system_error& e) {
      // Threads count against pids.max; report the limit instead of dying.
      spawn_error = e.code().value();
      break;
    }
  }
  for (auto& worker : workers) worker.join();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  json result = {{"seconds", seconds},
                 {"threads", workers.size()},
                 {"cpu_seconds", seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime)}};
  if (spawn_error) result["error"] = errno_name(*spawn_error);
  print_json(result);
  return 0;
}

int cmd_fork(const Args& args) {
  long long requested = 0;
  if (!parse_int(args[0], requested) || requested < 0 || requested > 100000) {
    usage_error("child count must be 0..100000, got '" + args[0] + "'");
  }

  const pid_t self = getpid();
  std::vector<pid_t> children;
  children.reserve(static_cast<std::size_t>(requested));
  long long failed = 0;
  std::optional<int> first_error;

  for (long long i = 0; i < requested; ++i) {
    pid_t pid = fork();
    if (pid == 0) park_child(self);  // never returns
    if (pid < 0) {
      // Keep going: the point is to count how many of N the limit allows.
      if (!first_error) first_error = errno;
      ++failed;
      continue;
    }
    children.push_back(pid);
  }

  for (pid_t pid : children) kill(pid, SIGKILL);
  for (pid_t pid : children) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }

  print_json({{"requested", requested},
              {"forked", children.size()},
              {"failed", failed},
              {"first_error", first_error ? json(errno_name(*first_error)) : json(nullptr)}});
  return 0;
}

}  // namespace probe
