// The cgroup v1 driver: one directory per controller hierarchy.
//
// In v1 each controller is its own tree (Documentation/admin-guide/
// cgroup-v1/cgroups.rst), so a container is a directory of the same name in
// every hierarchy pocker uses, and a process must be moved into each. Two v1
// rules shape this driver:
//  - a new cpuset starts with empty cpuset.cpus and cpuset.mems, and
//    attaching a task to it fails with ENOSPC (cgroup-v1/cpusets.rst), so
//    every level pocker makes gets its parent's values;
//  - memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes
//    (cgroup-v1/memory.rst, "2.4 Swap Extension"), so memory goes first.
#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <thread>

#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"

namespace pocker {
namespace {

using cgroupfs::exists;

// The controllers this driver uses, in the order their hierarchies are visited.
// devices holds no limit, only the device rules (apply_devices()).
constexpr const char* kUsed[] = {"cpu",  "cpuacct", "cpuset", "memory",
                                 "pids", "freezer", "devices"};

// cpu.cfs_period_us, in microseconds: the kernel's default, and docker's.
constexpr int64_t kCpuPeriod = 100000;

class CgroupV1 final : public Cgroup {
 public:
  CgroupV1(const std::map<std::string, std::string>& mounts, std::vector<std::string> parts,
           CgroupDirOps ops, const std::vector<std::string>& wanted)
      : parts_(std::move(parts)), ops_(std::move(ops)) {
    for (const auto& part : parts_) relative_ += "/" + part;
    for (const char* controller : kUsed) {
      auto it = mounts.find(controller);
      if (it == mounts.end()) continue;
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), controller) == wanted.end()) {
        continue;
      }
      // cpu and cpuacct are often co-mounted: one directory serves both.
      if (std::find(hierarchies_.begin(), hierarchies_.end(), it->second) == hierarchies_.end()) {
        hierarchies_.push_back(it->second);
      }
    }
    // Every controller of a hierarchy in use is usable, wanted or not.
    for (const char* controller : kUsed) {
      auto it = mounts.find(controller);
      if (it != mounts.end() &&
          std::find(hierarchies_.begin(), hierarchies_.end(), it->second) != hierarchies_.end()) {
        mounts_[controller] = it->second;
      }
    }
  }

  Result<void> create() override {
    // Another pocker removing its now-unused `pocker` parent at this very
    // moment makes our mkdir of the leaf fail with ENOENT: go again.
    for (int attempt = 0;; ++attempt) {
      auto made = create_once();
      if (made || made.error().err() != ENOENT || attempt == 2) return made;
    }
  }

  Result<void> create_once() {
    if (hierarchies_.empty()) {
      return user_error("create cgroup {}: none of the v1 controllers pocker uses is mounted",
                        relative_);
    }
    for (const auto& mount : hierarchies_) {
      bool is_cpuset = mounts_.count("cpuset") && mounts_.at("cpuset") == mount;
      std::string cpus, mems;  // what the level above holds, once known
      std::string dir = mount;
      for (size_t i = 0; i < parts_.size(); ++i) {
        std::string child = dir + "/" + parts_[i];
        bool made = TRY(cgroupfs::make_dir(ops_, child));
        // Remember parents we merely joined too: the last container out
        // removes the shared `pocker` directory, whoever made it.
        if (i + 1 < parts_.size() &&
            std::find(parents_.begin(), parents_.end(), child) == parents_.end()) {
          parents_.push_back(child);
        }
        if (is_cpuset) {
          TRY(inherit_cpuset(dir, child, made, "cpuset.cpus", cpus));
          TRY(inherit_cpuset(dir, child, made, "cpuset.mems", mems));
        }
        dir = child;
      }
    }
    return ok();
  }

  Result<std::vector<std::string>> apply(const Resources& r) override {
    std::vector<std::string> warnings;
    // handout(lv2.cpuset) begin: write the CPU list to cpuset.cpus in the cpuset hierarchy
    if (r.cpuset_cpus) {
      std::string dir = TRY(leaf("cpuset", "--cpuset-cpus"));
      TRY_CTX(write_file(dir + "/cpuset.cpus", *r.cpuset_cpus), "apply --cpuset-cpus");
    }
    // handout(lv2.cpuset) end
    // handout(lv2.cpus) begin: --cpus as a CFS quota: cpu.cfs_period_us and cpu.cfs_quota_us
    if (r.cpus) {
      std::string dir = TRY(leaf("cpu", "--cpus"));
      // CFS bandwidth control (Documentation/scheduler/sched-bwc.rst): at
      // most quota microseconds of CPU time per period.
      auto quota = static_cast<int64_t>(std::llround(*r.cpus * kCpuPeriod));
      TRY_CTX(write_file(dir + "/cpu.cfs_period_us", std::to_string(kCpuPeriod)), "apply --cpus");
      TRY_CTX(write_file(dir + "/cpu.cfs_quota_us", std::to_string(quota)), "apply --cpus");
    }
    // handout(lv2.cpus) end
    if (r.cpu_shares) {
      std::string dir = TRY(leaf("cpu", "--cpu-shares"));
      TRY_CTX(write_file(dir + "/cpu.shares", std::to_string(*r.cpu_shares)), "apply --cpu-shares");
    }
    // handout(lv2.memory) begin: write the limit to memory.limit_in_bytes, then memory plus swap to memory.memsw.limit_in_bytes (in that order: memsw may never be below the limit)
    if (r.memory || r.memory_swap) {
      std::string dir = TRY(leaf("memory", r.memory ? "--memory" : "--memory-swap"));
      if (r.memory) {
        auto limited = write_file(dir + "/memory.limit_in_bytes", std::to_string(*r.memory));
        // `update` raising the limit above the memsw limit set before: the
        // kernel wants memsw raised first (EINVAL otherwise).
        auto total = effective_memory_swap(r);
        if (!limited && limited.error().err() == EINVAL && total) {
          (void)write_file(dir + "/memory.memsw.limit_in_bytes", std::to_string(*total));
          limited = write_file(dir + "/memory.limit_in_bytes", std::to_string(*r.memory));
        }
        TRY_CTX(std::move(limited), "apply --memory");
      }
      if (auto total = effective_memory_swap(r)) {
        // v1 takes memory+swap as one number, docker's meaning exactly; -1
        // is unlimited. Written at once rather than checked for first: the
        // file is missing only without swap accounting (CONFIG_MEMCG_SWAP
        // off, or swapaccount=0), and open says so with ENOENT.
        auto written = write_file(dir + "/memory.memsw.limit_in_bytes", std::to_string(*total));
        if (!written && written.error().err() != ENOENT) {
          return std::move(written).error().wrap("apply --memory-swap");
        }
        if (!written && r.memory_swap) {
          warnings.push_back(fmt::format(
              "no swap limit support ({} has no memory.memsw.limit_in_bytes): --memory-swap "
              "ignored, memory limited without swap",
              dir));
        }
      }
    }
    // handout(lv2.memory) end
    // handout(lv2.pids) begin: write the limit to pids.max ("max" for 0 or -1)
    if (r.pids_limit) {
      std::string dir = TRY(leaf("pids", "--pids-limit"));
      std::string max = *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max";
      TRY_CTX(write_file(dir + "/pids.max", max), "apply --pids-limit");
    }
    // handout(lv2.pids) end
    return warnings;
  }

  Result<void> apply_devices(const std::vector<DeviceRule>& rules) override {
    if (rules.empty()) return ok();
    // handout(security.devices) begin: write the device rules into the container's `devices` directory (write_v1_device_rules)
    std::string dir = TRY(leaf("devices", "the device rules"));
    return write_v1_device_rules(dir, rules).wrap("apply the device rules");
    // handout(security.devices) stub:
    // return ok();
    // handout(security.devices) end
  }

  Result<void> add_pid(pid_t pid) override {
    std::string context = fmt::format("move pid {} into cgroup {}", pid, relative_);
    size_t joined = 0;
    for (const auto& dir : dirs()) {
      auto written = write_file(dir + "/cgroup.procs", std::to_string(pid));
      // A cgroup made for fewer controllers (v1_controllers_for()) has no
      // directory in the other hierarchies: nothing to join there.
      if (!written && written.error().err() == ENOENT && !exists(dir)) continue;
      if (!written) return std::move(written).error().wrap(context);
      ++joined;
    }
    if (joined == 0) return errno_error(ENOENT, "{}: it has no directory in any hierarchy", context);
    return ok();
  }

  Result<std::vector<TasksFile>> open_tasks() override {
    std::vector<TasksFile> files;
    for (const auto& dir : dirs()) {
      std::string path = dir + "/tasks";
      Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd) return sys_error("open {}", path);
      files.push_back({std::move(fd), path});
    }
    return files;
  }

  Result<Fd> open_dir() override {
    return errno_error(ENOTSUP,
                       "open cgroup {}: clone3 CLONE_INTO_CGROUP needs cgroup v2, use add_pid",
                       relative_);
  }

  Result<CgroupStats> stats() override {
    CgroupStats s;
    auto file_in = [&](const char* controller, const char* name) -> std::string {
      auto it = mounts_.find(controller);
      if (it == mounts_.end()) return {};
      std::string file = it->second + relative_ + "/" + name;
      return exists(file) ? file : std::string();
    };
    auto number = [&](const char* controller,
                      const char* name) -> Result<std::optional<uint64_t>> {
      std::string file = file_in(controller, name);
      if (file.empty()) return std::optional<uint64_t>();
      return std::optional<uint64_t>(TRY(cgroupfs::read_number(file)));
    };
    if (auto ns = TRY(number("cpuacct", "cpuacct.usage"))) s.cpu_usage_usec = *ns / 1000;
    s.memory_current = TRY(number("memory", "memory.usage_in_bytes"));
    s.memory_peak = TRY(number("memory", "memory.max_usage_in_bytes"));
    s.pids_current = TRY(number("pids", "pids.current"));
    // memory.oom_control has counted OOM kills (`oom_kill N`) since Linux
    // 4.13. Before that the closest number is memory.failcnt, the times the
    // limit was hit: an upper bound, as reclaim often succeeds.
    if (std::string file = file_in("memory", "memory.oom_control"); !file.empty()) {
      s.oom_kills = cgroupfs::keyed_value(TRY(read_file(file)), "oom_kill");
    }
    if (!s.oom_kills) s.oom_kills = TRY(number("memory", "memory.failcnt"));
    // Without a limit v1 reads a huge number (PAGE_COUNTER_MAX pages,
    // rounded down to a page): anything from 2^62 up means "none".
    if (std::string file = file_in("memory", "memory.limit_in_bytes"); !file.empty()) {
      auto limit = cgroupfs::number_in(TRY(cgroupfs::read_trimmed(file)));
      if (limit && *limit < (1ULL << 62)) s.memory_limit = limit;
    }
    if (std::string file = file_in("freezer", "freezer.state"); !file.empty()) {
      std::string state = TRY(cgroupfs::read_trimmed(file));
      s.frozen = state == "FROZEN" || state == "FREEZING";
    }
    return s;
  }

  Result<void> freeze(bool frozen) override {
    std::string dir = TRY(leaf("freezer", frozen ? "freeze" : "thaw"));
    std::string want = frozen ? "FROZEN" : "THAWED";
    TRY(write_file(dir + "/freezer.state", want));
    // cgroup-v1/freezer-subsystem.rst: the state reads FREEZING until every
    // task is stopped.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (TRY(cgroupfs::read_trimmed(dir + "/freezer.state")) != want) {
      if (std::chrono::steady_clock::now() > deadline) {
        return errno_error(ETIMEDOUT, "{} cgroup {}: not {} after 1 s",
                           frozen ? "freeze" : "thaw", dir, want);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return ok();
  }

  Result<void> destroy() override {
    auto kill_all = [this] {
      // A frozen v1 task does not act on SIGKILL until thawed. Signal
      // first, thaw second, so nothing runs a single instruction more.
      std::vector<std::string> procs;
      for (const auto& dir : dirs()) procs.push_back(dir + "/cgroup.procs");
      cgroupfs::kill_listed(procs);
      auto it = mounts_.find("freezer");
      if (it == mounts_.end()) return;
      std::string state = it->second + relative_ + "/freezer.state";
      auto current = cgroupfs::read_trimmed(state);
      if (current && current.value() != "THAWED") (void)write_file(state, "THAWED");
    };
    // Usually the container's processes are gone by now and each rmdir
    // just works; only what is still busy needs killing and waiting for.
    auto busy = cgroupfs::remove_if_empty(ops_, dirs());
    if (!busy.empty()) {
      TRY_CTX(cgroupfs::kill_and_remove(ops_, busy, kill_all), "destroy cgroup " + relative_);
    }
    cgroupfs::remove_unused(ops_, parents_);
    parents_.clear();
    return ok();
  }

  std::string path() const override { return relative_; }

  std::vector<std::string> dirs() const override {
    std::vector<std::string> out;
    for (const auto& mount : hierarchies_) out.push_back(mount + relative_);
    return out;
  }

 private:
  // The container's directory in `controller`'s hierarchy, or an error
  // naming the flag that needs it.
  Result<std::string> leaf(const char* controller, const char* flag) const {
    auto it = mounts_.find(controller);
    if (it == mounts_.end()) {
      return errno_error(ENOTSUP, "cannot apply {}: the {} controller is not mounted (cgroup v1)",
                         flag, controller);
    }
    return it->second + relative_;
  }

  // Gives the cpuset level `child` its parent's `file` (cpuset.cpus or
  // .mems) when it has none. A level we just made is empty for sure (unless
  // the parent sets cgroup.clone_children, and writing the same value again
  // is harmless), so it is not read; `known` carries the value one level
  // up from the previous call, so the parent is read only once per file.
  Result<void> inherit_cpuset(const std::string& parent, const std::string& child, bool made,
                              const char* file, std::string& known) {
    if (!made) {
      std::string own = TRY(cgroupfs::read_trimmed(child + "/" + file));
      if (!own.empty()) {
        known = own;
        return ok();
      }
    }
    if (known.empty()) known = TRY(cgroupfs::read_trimmed(parent + "/" + file));
    if (known.empty()) return ok();  // nothing to copy: add_pid will say ENOSPC
    return write_file(child + "/" + file, known);
  }

  std::vector<std::string> parts_;
  CgroupDirOps ops_;
  std::string relative_;                       // "/pocker/<id>"
  std::map<std::string, std::string> mounts_;  // used controller -> mount dir
  std::vector<std::string> hierarchies_;       // distinct mount dirs, in kUsed order
  std::vector<std::string> parents_;           // levels above the leaves create() made or joined, top-down
};

}  // namespace

Result<std::unique_ptr<Cgroup>> make_cgroup_v1(const std::map<std::string, std::string>& v1_mounts,
                                               const std::string& relative_path,
                                               const CgroupDirOps& ops,
                                               const std::vector<std::string>& controllers) {
  auto parts = TRY(cgroupfs::split_relative(relative_path));
  return std::unique_ptr<Cgroup>(
      std::make_unique<CgroupV1>(v1_mounts, std::move(parts), ops, controllers));
}

}  // namespace pocker
