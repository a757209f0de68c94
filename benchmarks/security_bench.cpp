// The security steps of a container start (lessons/security), one by one.
//
//   security/caps_drop          a forked child cuts its bounding set to
//                               docker's 14 and sets its capability sets
//                               (minus spawn/none: the fork and wait)
//   security/seccomp_compile    the default profile to BPF with libseccomp,
//                               for docker's capabilities (a cache miss)
//   security/seccomp_cached     the same program read from the cache
//   security/seccomp_load       a forked child loads that program
//   security/devices_v1         the default rules written to a new
//                               directory of the v1 `devices` hierarchy
//   security/devices_v2         the device program loaded and attached to a
//                               new directory of the cgroup2 mount
// The cgroup rows make their directory and remove it outside the timer.
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "bench.hpp"
#include "pocker/fd.hpp"
#include "pocker/fs.hpp"
#include "pocker/process.hpp"
#include "pocker/security.hpp"

namespace pocker::bench {
namespace {

// Runs `step` in a forked child and waits; false (and the benchmark
// skipped with why) when the child failed.
template <typename Step>
bool in_child(benchmark::State& state, Step step) {
  auto child = spawn(CloneOptions{}, [&]() -> int { return step() ? 0 : 1; });
  if (!child) {
    state.SkipWithError(child.error().message().c_str());
    return false;
  }
  auto status = child.value().wait();
  if (!status || status.value().shell_code() != 0) {
    state.SkipWithError("the child's step failed");
    return false;
  }
  return true;
}

void caps_drop(benchmark::State& state) {
  if (skip_unless_root(state)) return;
  for (auto _ : state) {
    if (!in_child(state, [] {
          return drop_bounding_set(default_capabilities()) && set_capabilities(default_capabilities());
        })) {
      break;
    }
  }
}

void seccomp_compile(benchmark::State& state) {
  auto profile = parse_seccomp_profile(default_seccomp_profile_json(), "default");
  if (!profile) {
    state.SkipWithError(profile.error().message().c_str());
    return;
  }
  size_t insns = 0;
  for (auto _ : state) {
    auto program = compile_seccomp(profile.value(), default_capabilities());
    if (!program) {
      state.SkipWithError(program.error().message().c_str());
      break;
    }
    insns = program.value().insns.size();
  }
  state.counters["insns"] = static_cast<double>(insns);
}

// A private cache directory, removed at the end.
struct TempCache {
  std::string dir = "/tmp/pocker-bench-seccomp-" + std::to_string(::getpid());
  ~TempCache() {
    auto removed = remove_tree(dir);
    (void)removed;
  }
};

void seccomp_cached(benchmark::State& state) {
  TempCache cache;
  const std::string& text = default_seccomp_profile_json();
  auto first = seccomp_program(text, "default", default_capabilities(), cache.dir);
  if (!first) {
    state.SkipWithError(first.error().message().c_str());
    return;
  }
  for (auto _ : state) {
    auto program = seccomp_program(text, "default", default_capabilities(), cache.dir);
    if (!program || !program.value().from_cache) {
      state.SkipWithError(program ? "not read from the cache" : program.error().message().c_str());
      break;
    }
  }
}

void seccomp_load(benchmark::State& state) {
  auto profile = parse_seccomp_profile(default_seccomp_profile_json(), "default");
  auto program = profile ? compile_seccomp(profile.value(), default_capabilities())
                         : Result<SeccompProgram>(std::move(profile).error());
  if (!program) {
    state.SkipWithError(program.error().message().c_str());
    return;
  }
  for (auto _ : state) {
    // no_new_privs lets an unprivileged child load it too.
    if (!in_child(state, [&] {
          return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && load_seccomp(program.value());
        })) {
      break;
    }
  }
}

bool is_fs(const std::string& path, long magic) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && static_cast<long>(fs.f_type) == magic;
}

// mkdir before, rmdir after, both outside the timer.
template <typename Step>
void cgroup_dir_cycle(benchmark::State& state, const std::string& parent, Step step) {
  std::string dir = parent + "/pocker-bench-" + std::to_string(::getpid());
  for (auto _ : state) {
    state.PauseTiming();
    if (::mkdir(dir.c_str(), 0755) < 0) {
      state.SkipWithError(("mkdir " + dir + ": " + std::strerror(errno)).c_str());
      break;
    }
    state.ResumeTiming();
    auto done = step(dir);
    state.PauseTiming();
    ::rmdir(dir.c_str());
    state.ResumeTiming();
    if (!done) {
      state.SkipWithError(done.error().message().c_str());
      break;
    }
  }
}

void devices_v1(benchmark::State& state) {
  if (skip_unless_root(state)) return;
  const std::string hierarchy = "/sys/fs/cgroup/devices";
  if (!is_fs(hierarchy, CGROUP_SUPER_MAGIC)) {
    state.SkipWithError("no v1 devices hierarchy at /sys/fs/cgroup/devices");
    return;
  }
  const auto rules = default_device_rules();
  cgroup_dir_cycle(state, hierarchy, [&](const std::string& dir) {
    return write_v1_device_rules(dir, rules);
  });
}

void devices_v2(benchmark::State& state) {
  if (skip_unless_root(state)) return;
  std::string mount;
  for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    if (is_fs(path, CGROUP2_SUPER_MAGIC)) mount = path;
  }
  if (mount.empty()) {
    state.SkipWithError("no cgroup2 mount");
    return;
  }
  const auto rules = default_device_rules();
  cgroup_dir_cycle(state, mount, [&](const std::string& dir) -> Result<void> {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("open {}", dir);
    Fd owned(fd);
    return attach_device_program(owned.get(), rules);
  });
}

}  // namespace

void register_security_benchmarks() {
  configure(benchmark::RegisterBenchmark("security/caps_drop", caps_drop));
  configure(benchmark::RegisterBenchmark("security/seccomp_compile", seccomp_compile));
  configure(benchmark::RegisterBenchmark("security/seccomp_cached", seccomp_cached));
  configure(benchmark::RegisterBenchmark("security/seccomp_load", seccomp_load));
  configure(benchmark::RegisterBenchmark("security/devices_v1", devices_v1));
  configure(benchmark::RegisterBenchmark("security/devices_v2", devices_v2));
}

}  // namespace pocker::bench
