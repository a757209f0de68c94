// cgroup create / limit / join / remove cycles (lesson lv2), raw syscalls
// on one hierarchy. The same cycle through pocker's driver, next to raw
// syscalls on exactly the files the driver uses, is in
// cgroup_driver_bench.cpp (rows cgroup_v1/pocker_cycle/..., cgroup_v2/...).
//
// The rows, with raw syscalls only:
//   cgroup_v1/memory_cycle   mkdir /sys/fs/cgroup/memory/pocker-bench-<pid>/x,
//                            write memory.limit_in_bytes (64 MiB), write a
//                            forked child's pid to cgroup.procs, rmdir x
//   cgroup_v2/memory_cycle   the same on the cgroup2 mount with memory.max,
//                            when the root offers the memory controller
//   cgroup_v2/plain_cycle    mkdir + cgroup.procs + rmdir, when the cgroup2
//                            mount has no controllers to delegate (hybrid
//                            hosts like ours: /sys/fs/cgroup/unified)
// Forking, killing and reaping the child happen with the timer paused: the
// rows are the cgroup file-system work alone. pocker-bench-<pid> and x are
// removed however the benchmark ends.
#include <errno.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "bench.hpp"
#include "pocker/fs.hpp"
#include "pocker/process.hpp"

namespace pocker::bench {
namespace {

bool is_fs(const std::string& path, long magic) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && static_cast<long>(fs.f_type) == magic;
}

/// The cgroup2 mount: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified
/// on hybrid ones.
std::optional<std::string> cgroup2_mount() {
  for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    if (is_fs(path, CGROUP2_SUPER_MAGIC)) return std::string(path);
  }
  return std::nullopt;
}

/// True when the root cgroup hands `controller` down to its children.
bool root_delegates(const std::string& mount, const std::string& controller) {
  auto enabled = read_file(mount + "/cgroup.subtree_control");
  if (!enabled) return false;
  std::string words = " " + enabled.value() + " ";
  for (char& c : words) {
    if (c == '\n') c = ' ';
  }
  return words.find(" " + controller + " ") != std::string::npos;
}

/// A directory rmdir'ed on destruction (cgroup directories are removed
/// with rmdir, never recursively: their files are not real files).
struct CgroupDir {
  std::string path;
  ~CgroupDir() {
    if (!path.empty() && ::rmdir(path.c_str()) < 0 && errno != ENOENT) {
      std::fprintf(stderr, "pocker-bench: rmdir %s: %s\n", path.c_str(), std::strerror(errno));
    }
  }
};

/// What one cycle writes into the new cgroup before moving the child in.
struct Limit {
  std::string file;  ///< e.g. memory.limit_in_bytes; empty: no limit
  std::string value;
};

void cgroup_cycle(benchmark::State& state, const std::string& hierarchy, const Limit& limit,
                  const std::string& enable_in_parent) {
  if (skip_unless_root(state)) return;
  CgroupDir parent;
  std::string parent_path = hierarchy + "/pocker-bench-" + std::to_string(::getpid());
  if (::mkdir(parent_path.c_str(), 0755) < 0) {
    state.SkipWithError(sys_error("mkdir {}", parent_path).message().c_str());
    return;
  }
  parent.path = parent_path;
  if (!enable_in_parent.empty()) {
    auto enabled = write_file(parent_path + "/cgroup.subtree_control", enable_in_parent);
    if (!enabled) {
      state.SkipWithError(enabled.error().message().c_str());
      return;
    }
  }
  const std::string x = parent_path + "/x";

  for (auto _ : state) {
    state.PauseTiming();
    // Declared before the child, so the child is killed and reaped (Child's
    // destructor) before x is removed, on every path out of this loop.
    CgroupDir cgroup;
    auto child = spawn(CloneOptions{}, [] {
      ::pause();
      return 0;
    });
    state.ResumeTiming();
    if (!child) {
      state.SkipWithError(child.error().message().c_str());
      break;
    }

    if (::mkdir(x.c_str(), 0755) < 0) {
      state.SkipWithError(sys_error("mkdir {}", x).message().c_str());
      break;
    }
    cgroup.path = x;
    if (!limit.file.empty()) {
      if (auto written = write_file(x + "/" + limit.file, limit.value); !written) {
        state.SkipWithError(written.error().message().c_str());
        break;
      }
    }
    if (auto joined = write_file(x + "/cgroup.procs", std::to_string(child.value().pid()));
        !joined) {
      state.SkipWithError(joined.error().message().c_str());
      break;
    }

    state.PauseTiming();
    (void)child.value().kill(SIGKILL);
    (void)child.value().wait();
    state.ResumeTiming();

    if (::rmdir(x.c_str()) < 0) {
      state.SkipWithError(sys_error("rmdir {}", x).message().c_str());
      break;
    }
    cgroup.path.clear();
  }
}

}  // namespace

void register_cgroup_benchmarks() {
  const std::string v1_memory = "/sys/fs/cgroup/memory";
  if (is_fs(v1_memory, CGROUP_SUPER_MAGIC)) {
    configure(benchmark::RegisterBenchmark("cgroup_v1/memory_cycle", cgroup_cycle, v1_memory,
                                           Limit{"memory.limit_in_bytes", "67108864"},
                                           std::string()));
  } else {
    configure(benchmark::RegisterBenchmark("cgroup_v1/memory_cycle", [](benchmark::State& s) {
      s.SkipWithError("no cgroup v1 memory hierarchy at /sys/fs/cgroup/memory");
    }));
  }

  auto v2 = cgroup2_mount();
  if (!v2) {
    configure(benchmark::RegisterBenchmark(
        "cgroup_v2/plain_cycle", [](benchmark::State& s) { s.SkipWithError("no cgroup2 mount"); }));
  } else if (root_delegates(*v2, "memory")) {
    configure(benchmark::RegisterBenchmark("cgroup_v2/memory_cycle", cgroup_cycle, *v2,
                                           Limit{"memory.max", "67108864"},
                                           std::string("+memory")));
  } else {
    // Hybrid hosts: the v1 hierarchies own the controllers.
    configure(benchmark::RegisterBenchmark("cgroup_v2/plain_cycle", cgroup_cycle, *v2, Limit{},
                                           std::string()));
  }
}

}  // namespace pocker::bench
