// pocker's cgroup driver next to raw syscalls on exactly the same files
// (lesson lv2, issue 7: the driver may cost at most 1.2 x raw).
//
// One cycle is what `pocker run --memory 64m --cpus 1` does to cgroups,
// for the cgroup pocker-bench-<pid>/x:
//   create   mkdir the parent level, then x; on v1 in each hierarchy that
//            `pocker run` uses for these limits (v1_controllers_for(): cpu,
//            cpuacct, memory, pids; co-mounted ones once), with cpuset.cpus
//            and cpuset.mems copied down into each new cpuset level if
//            cpuset were among them (v1 leaves them empty)
//   apply    v1: memory.limit_in_bytes 64 MiB, memory.memsw.limit_in_bytes
//            twice that (where swap is accounted), cpu.cfs_period_us and
//            cpu.cfs_quota_us for one CPU. v2: memory.max and cpu.max when
//            the cgroup2 root hands those controllers down (with +memory
//            +pids +cpu in the parent's cgroup.subtree_control, what pocker
//            switches on for these limits), else nothing
//   add      a forked child's pid into cgroup.procs (of every hierarchy)
//   destroy  rmdir x, then the parent (the last container out removes
//            pocker's shared level too), in every hierarchy
// `<row>/raw` does this with mkdir, open+write and rmdir, `<row>/driver`
// with make_cgroup_v1/_v2() -> create(), apply(), add_pid(), destroy().
// Only forking, killing and reaping the child are left out of the timing.
// The raw rows take their directory list from the driver (dirs()), so
// both touch the same files.
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench.hpp"
#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"
#include "pocker/process.hpp"

namespace pocker::bench {
namespace {

constexpr uint64_t kMemory = 64ULL << 20;

/// The files one cycle touches, worked out once, before any timing.
struct CyclePlan {
  std::string relative;                 ///< pocker-bench-<pid>/x
  std::vector<std::string> leaves;      ///< the driver's dirs(), in its order
  std::vector<std::string> parents;     ///< the pocker-bench-<pid> level of each
  std::string cpuset_mount;             ///< v1: the cpuset hierarchy, or empty
  std::vector<std::pair<std::string, std::string>> limits;  ///< file, value
  Resources resources;                  ///< the same limits, for the driver
  bool v2 = false;
  std::string enable;                   ///< v2: written to the parent's subtree_control
};

std::string parent_of(const std::string& dir) { return dir.substr(0, dir.rfind('/')); }

/// rmdir, ignoring what is already gone: cleanup after a failed cycle.
void remove_quietly(const std::string& dir) {
  if (::rmdir(dir.c_str()) < 0 && errno != ENOENT) {
    std::fprintf(stderr, "pocker-bench: rmdir %s: %s\n", dir.c_str(), std::strerror(errno));
  }
}

/// Leaves first, then parents: whatever one cycle left behind.
struct CycleCleanup {
  const CyclePlan& plan;
  ~CycleCleanup() {
    for (const auto& dir : plan.leaves) remove_quietly(dir);
    for (const auto& dir : plan.parents) remove_quietly(dir);
  }
};

Result<void> make(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) < 0) return sys_error("mkdir {}", dir);
  return ok();
}

Result<void> remove(const std::string& dir) {
  if (::rmdir(dir.c_str()) < 0) return sys_error("rmdir {}", dir);
  return ok();
}

Result<std::string> read_line(const std::string& path) {
  std::string text = TRY(read_file(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The raw create + apply: the driver's work spelled out in syscalls.
Result<void> raw_create_apply(const CyclePlan& plan) {
  for (size_t i = 0; i < plan.leaves.size(); ++i) {
    const std::string& parent = plan.parents[i];
    const std::string& leaf = plan.leaves[i];
    TRY(make(parent));
    // A new v1 cpuset is empty, and a task cannot join it: both levels get
    // the root's cpus and mems (read once, written twice).
    std::vector<std::pair<const char*, std::string>> copied;
    if (!plan.cpuset_mount.empty() && parent_of(parent) == plan.cpuset_mount) {
      for (const char* file : {"/cpuset.cpus", "/cpuset.mems"}) {
        std::string value = TRY(read_line(plan.cpuset_mount + file));
        TRY(write_file(parent + file, value));
        copied.emplace_back(file, value);
      }
    }
    if (!plan.enable.empty()) TRY(write_file(parent + "/cgroup.subtree_control", plan.enable));
    TRY(make(leaf));
    for (const auto& [file, value] : copied) TRY(write_file(leaf + file, value));
  }
  for (const auto& [file, value] : plan.limits) TRY(write_file(file, value));
  return ok();
}

Result<void> raw_add(const CyclePlan& plan, pid_t pid) {
  for (const auto& leaf : plan.leaves) TRY(write_file(leaf + "/cgroup.procs", std::to_string(pid)));
  return ok();
}

Result<void> raw_destroy(const CyclePlan& plan) {
  for (const auto& leaf : plan.leaves) TRY(remove(leaf));
  for (const auto& parent : plan.parents) TRY(remove(parent));
  return ok();
}

Result<std::unique_ptr<Cgroup>> make_driver(const CgroupHost& host, const CyclePlan& plan) {
  if (plan.v2) return make_cgroup_v2(host.unified, plan.relative, {}, v1_controllers_for(plan.resources));
  return make_cgroup_v1(host.v1_mounts, plan.relative, {}, v1_controllers_for(plan.resources));
}

// Forks a child that waits to be killed; the timer is paused meanwhile.
Result<Child> paused_child(benchmark::State& state) {
  state.PauseTiming();
  auto child = spawn(CloneOptions{}, [] {
    ::pause();
    return 0;
  });
  state.ResumeTiming();
  return child;
}

void end_child(benchmark::State& state, Child& child) {
  state.PauseTiming();
  (void)child.kill(SIGKILL);
  (void)child.wait();
  state.ResumeTiming();
}

void raw_cycle(benchmark::State& state, const CyclePlan& plan) {
  if (skip_unless_root(state)) return;
  CycleCleanup cleanup{plan};
  for (auto _ : state) {
    auto child = paused_child(state);
    Result<void> done = child ? raw_create_apply(plan) : Result<void>(std::move(child).error());
    if (done) done = raw_add(plan, child.value().pid());
    if (child) end_child(state, child.value());
    if (done) done = raw_destroy(plan);
    if (!done) {
      state.SkipWithError(done.error().message().c_str());
      break;
    }
  }
}

void driver_cycle(benchmark::State& state, const CgroupHost& host, const CyclePlan& plan) {
  if (skip_unless_root(state)) return;
  CycleCleanup cleanup{plan};
  for (auto _ : state) {
    auto child = paused_child(state);
    if (!child) {
      state.SkipWithError(child.error().message().c_str());
      break;
    }
    auto cgroup = make_driver(host, plan);
    Result<void> done = cgroup ? cgroup.value()->create() : Result<void>(std::move(cgroup).error());
    if (done) {
      auto applied = cgroup.value()->apply(plan.resources);
      if (!applied) done = std::move(applied).error();
    }
    if (done) done = cgroup.value()->add_pid(child.value().pid());
    end_child(state, child.value());
    if (done) done = cgroup.value()->destroy();
    if (!done) {
      state.SkipWithError(done.error().message().c_str());
      break;
    }
  }
}

bool has(const std::vector<std::string>& list, const char* word) {
  for (const auto& w : list) {
    if (w == word) return true;
  }
  return false;
}

/// Fills in the directories (from the driver itself) and the limits.
Result<CyclePlan> plan_cycle(const CgroupHost& host, bool v2) {
  CyclePlan plan;
  plan.v2 = v2;
  plan.relative = "pocker-bench-" + std::to_string(::getpid()) + "/x";
  if (!v2) {
    plan.resources.memory = kMemory;
    plan.resources.cpus = 1;
  }
  auto probe = TRY(make_driver(host, plan));  // touches nothing on disk
  plan.leaves = probe->dirs();
  for (const auto& leaf : plan.leaves) plan.parents.push_back(parent_of(leaf));
  if (!v2) {
    if (auto it = host.v1_mounts.find("cpuset"); it != host.v1_mounts.end()) {
      // Only when the driver uses that hierarchy (with --cpuset-cpus).
      if (std::find(plan.leaves.begin(), plan.leaves.end(), it->second + "/" + plan.relative) !=
          plan.leaves.end()) {
        plan.cpuset_mount = it->second;
      }
    }
    if (auto it = host.v1_mounts.find("memory"); it != host.v1_mounts.end()) {
      std::string dir = it->second + "/" + plan.relative;
      plan.limits.push_back({dir + "/memory.limit_in_bytes", std::to_string(kMemory)});
      // Swap accounting exists when the hierarchy's root has the file.
      if (cgroupfs::exists(it->second + "/memory.memsw.limit_in_bytes")) {
        plan.limits.push_back({dir + "/memory.memsw.limit_in_bytes", std::to_string(2 * kMemory)});
      }
    }
    if (auto it = host.v1_mounts.find("cpu"); it != host.v1_mounts.end()) {
      std::string dir = it->second + "/" + plan.relative;
      plan.limits.push_back({dir + "/cpu.cfs_period_us", "100000"});
      plan.limits.push_back({dir + "/cpu.cfs_quota_us", "100000"});
    }
    return plan;
  }
  // v2: limits only where the root hands the controllers down; a hybrid
  // host's cgroup2 mount has none, and the cycle is placement alone.
  auto enabled = read_file(host.unified + "/cgroup.subtree_control");
  std::vector<std::string> words;
  if (enabled) {
    std::string word;
    for (char c : enabled.value() + " ") {
      if (c == ' ' || c == '\n') {
        if (!word.empty()) words.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
  }
  const std::string& leaf = plan.leaves.front();
  if (has(words, "memory")) {
    plan.enable = "+memory";
    plan.resources.memory = kMemory;
    plan.limits.push_back({leaf + "/memory.max", std::to_string(kMemory)});
  }
  // pocker switches pids on for every container (v1_controllers_for()).
  if (has(words, "pids")) plan.enable += plan.enable.empty() ? "+pids" : " +pids";
  if (has(words, "cpu")) {
    plan.enable += plan.enable.empty() ? "+cpu" : " +cpu";
    plan.resources.cpus = 1;
    plan.limits.push_back({leaf + "/cpu.max", "100000 100000"});
  }
  return plan;
}

void register_pair(const char* raw_name, const char* driver_name, const CgroupHost& host,
                   const Result<CyclePlan>& plan) {
  if (!plan) {
    std::string why = plan.error().message();
    for (const char* name : {raw_name, driver_name}) {
      configure(benchmark::RegisterBenchmark(
          name, [why](benchmark::State& s) { s.SkipWithError(why.c_str()); }));
    }
    return;
  }
  configure(benchmark::RegisterBenchmark(raw_name, raw_cycle, plan.value()));
  configure(benchmark::RegisterBenchmark(driver_name, driver_cycle, host, plan.value()));
}

}  // namespace

void register_cgroup_driver_benchmarks() {
  auto host = detect_cgroups();
  if (!host) {
    std::string why = host.error().message();
    configure(benchmark::RegisterBenchmark(
        "cgroup_v1/pocker_cycle/raw", [why](benchmark::State& s) { s.SkipWithError(why.c_str()); }));
    return;
  }
  if (!host.value().v1_mounts.empty()) {
    register_pair("cgroup_v1/pocker_cycle/raw", "cgroup_v1/pocker_cycle/driver", host.value(),
                  plan_cycle(host.value(), false));
  }
  if (!host.value().unified.empty()) {
    register_pair("cgroup_v2/pocker_cycle/raw", "cgroup_v2/pocker_cycle/driver", host.value(),
                  plan_cycle(host.value(), true));
  }
}

}  // namespace pocker::bench
