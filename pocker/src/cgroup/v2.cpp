// The cgroup v2 driver: one directory per container in the unified hierarchy.
//
// Documentation/admin-guide/cgroup-v2.rst is the reference for every file
// written here. The two rules that shape this driver:
//  - "Top-down Constraint": a controller is usable in a cgroup only when its
//    parent lists it in cgroup.subtree_control, so each level from the mount
//    down to the container's parent must switch the controllers on.
//  - "No Internal Process Constraint": a non-root cgroup that holds
//    processes cannot give controllers to children, so the container's
//    processes live only in the leaf, never in pocker's intermediate levels.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>
#include <thread>

#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

using cgroupfs::exists;

// The controllers pocker limits with, in the order it enables them.
constexpr const char* kWanted[] = {"cpu", "memory", "pids", "cpuset"};

// cpu.max's period, in microseconds: the kernel's default, and docker's.
constexpr int64_t kCpuPeriod = 100000;

std::vector<std::string> words_of(const std::string& path) {
  std::vector<std::string> words;
  auto text = read_file(path);
  if (!text) return words;
  std::istringstream in(text.value());
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

bool contains(const std::vector<std::string>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

class CgroupV2 final : public Cgroup {
 public:
  CgroupV2(std::string unified, std::vector<std::string> parts, CgroupDirOps ops,
           const std::vector<std::string>& controllers)
      : unified_(std::move(unified)), parts_(std::move(parts)), ops_(std::move(ops)) {
    for (const auto& part : parts_) relative_ += "/" + part;
    leaf_ = unified_ + relative_;
    for (const char* controller : kWanted) {
      if (controllers.empty() || contains(controllers, controller)) wanted_.push_back(controller);
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

  Result<std::vector<std::string>> apply(const Resources& r) override {
    std::vector<std::string> warnings;
    // What the parent gave us (cgroup.controllers): on a hybrid host's
    // unified mount this is empty, and no limit can be written. Read on
    // the first limit that needs it: with none, not at all.
    std::optional<std::vector<std::string>> given;
    auto need = [&](const char* controller, const char* flag) -> Result<void> {
      if (!given) given = words_of(leaf_ + "/cgroup.controllers");
      const std::vector<std::string>& available = *given;
      if (contains(available, controller)) return ok();
      std::string list;
      for (const auto& c : available) list += (list.empty() ? "" : " ") + c;
      return errno_error(ENOTSUP,
                         "cannot apply {}: the {} controller is not enabled in {} "
                         "(cgroup.controllers: {})",
                         flag, controller, leaf_, list.empty() ? "none" : list);
    };
    // handout(lv2.cpuset) begin: write the CPU list to cpuset.cpus (and the parent's memory nodes to cpuset.mems)
    if (r.cpuset_cpus) {
      TRY(need("cpuset", "--cpuset-cpus"));
      TRY_CTX(write_file(leaf_ + "/cpuset.cpus", *r.cpuset_cpus), "apply --cpuset-cpus");
      // v2 would inherit the memory nodes from the parent when cpuset.mems is
      // empty; writing the parent's effective set makes the leaf show both
      // halves of its cpuset, as on v1.
      auto mems = cgroupfs::read_trimmed(parent_dir() + "/cpuset.mems.effective");
      if (mems && !mems.value().empty()) {
        TRY_CTX(write_file(leaf_ + "/cpuset.mems", mems.value()), "apply --cpuset-cpus");
      }
    }
    // handout(lv2.cpuset) end
    // handout(lv2.cpus) begin: --cpus as cpu.max: "QUOTA PERIOD" in microseconds
    if (r.cpus) {
      TRY(need("cpu", "--cpus"));
      // cpu.max is "$MAX $PERIOD": at most MAX microseconds of CPU time per
      // PERIOD, so --cpus 0.5 is 50000 of every 100000.
      auto quota = static_cast<int64_t>(std::llround(*r.cpus * kCpuPeriod));
      TRY_CTX(write_file(leaf_ + "/cpu.max", fmt::format("{} {}", quota, kCpuPeriod)),
              "apply --cpus");
    }
    // handout(lv2.cpus) end
    if (r.cpu_shares) {
      TRY(need("cpu", "--cpu-shares"));
      // v1's shares (2..262144, default 1024) mapped linearly onto v2's
      // weight (1..10000, default 100), the conversion runc and crun use.
      uint64_t shares = std::clamp<uint64_t>(*r.cpu_shares, 2, 262144);
      uint64_t weight = 1 + ((shares - 2) * 9999) / 262142;
      TRY_CTX(write_file(leaf_ + "/cpu.weight", std::to_string(weight)), "apply --cpu-shares");
    }
    if (r.memory || r.memory_swap) {
      TRY(need("memory", r.memory ? "--memory" : "--memory-swap"));
    }
    // handout(lv2.memory) begin: write the limit to memory.max
    if (r.memory) {
      TRY_CTX(write_file(leaf_ + "/memory.max", std::to_string(*r.memory)), "apply --memory");
    }
    // handout(lv2.memory) end
    if (auto total = effective_memory_swap(r)) {
      // v2 limits swap on its own (memory.swap.max), docker's flag is memory
      // plus swap: the swap part is the difference.
      std::string swap;
      if (*total == -1) {
        swap = "max";
      } else if (r.memory && static_cast<uint64_t>(*total) >= *r.memory) {
        swap = std::to_string(static_cast<uint64_t>(*total) - *r.memory);
      } else {
        return user_error("apply --memory-swap {}: must be at least --memory, or -1", *total);
      }
      if (exists(leaf_ + "/memory.swap.max")) {
        TRY_CTX(write_file(leaf_ + "/memory.swap.max", swap), "apply --memory-swap");
      } else if (r.memory_swap) {
        // No swap accounting (CONFIG_MEMCG_SWAP off, or swapaccount=0).
        warnings.push_back(fmt::format(
            "no swap limit support ({} has no memory.swap.max): --memory-swap ignored, memory "
            "limited without swap",
            leaf_));
      }
    }
    // handout(lv2.pids) begin: write the limit to pids.max ("max" for 0 or -1)
    if (r.pids_limit) {
      TRY(need("pids", "--pids-limit"));
      std::string max = *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max";
      TRY_CTX(write_file(leaf_ + "/pids.max", max), "apply --pids-limit");
    }
    // handout(lv2.pids) end
    return warnings;
  }

  Result<void> apply_devices(const std::vector<DeviceRule>& rules) override {
    if (rules.empty()) return ok();
    // v2 has no devices controller to switch on: the rules are a BPF
    // program attached to the directory (cgroup-v2.rst, "Device controller").
    // handout(security.devices) begin: attach the device program (attach_device_program) to the container's cgroup directory
    Fd dir(::open(leaf_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return sys_error("apply the device rules: open cgroup {}", leaf_);
    return attach_device_program(dir.get(), rules).wrap("apply the device rules to " + leaf_);
    // handout(security.devices) stub:
    // return ok();
    // handout(security.devices) end
  }

  Result<void> add_pid(pid_t pid) override {
    return write_file(leaf_ + "/cgroup.procs", std::to_string(pid))
        .wrap(fmt::format("move pid {} into cgroup {}", pid, relative_));
  }

  Result<std::vector<TasksFile>> open_tasks() override {
    return errno_error(ENOTSUP,
                       "open cgroup {}: v2 has no tasks file to join by, use CLONE_INTO_CGROUP",
                       relative_);
  }

  Result<Fd> open_dir() override {
    Fd fd(::open(leaf_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return sys_error("open cgroup {}", leaf_);
    trace("open {} O_DIRECTORY = fd {}", leaf_, fd.get());
    return fd;
  }

  Result<CgroupStats> stats() override {
    CgroupStats s;
    // Optional files: a controller not enabled here, or an older kernel
    // (memory.peak is from Linux 5.19), leaves the value unset.
    auto number = [&](const char* name) -> Result<std::optional<uint64_t>> {
      std::string file = leaf_ + "/" + name;
      if (!exists(file)) return std::optional<uint64_t>();
      return std::optional<uint64_t>(TRY(cgroupfs::read_number(file)));
    };
    auto keyed = [&](const char* name, const char* key) -> Result<std::optional<uint64_t>> {
      std::string file = leaf_ + "/" + name;
      if (!exists(file)) return std::optional<uint64_t>();
      return cgroupfs::keyed_value(TRY(read_file(file)), key);
    };
    s.cpu_usage_usec = TRY(keyed("cpu.stat", "usage_usec"));
    s.memory_current = TRY(number("memory.current"));
    s.memory_peak = TRY(number("memory.peak"));
    s.pids_current = TRY(number("pids.current"));
    s.oom_kills = TRY(keyed("memory.events", "oom_kill"));
    // memory.max reads "max" without a limit.
    if (std::string file = leaf_ + "/memory.max"; exists(file)) {
      s.memory_limit = cgroupfs::number_in(TRY(cgroupfs::read_trimmed(file)));
    }
    if (std::string file = leaf_ + "/cgroup.freeze"; exists(file)) {
      s.frozen = TRY(cgroupfs::read_trimmed(file)) == "1";
    }
    return s;
  }

  Result<void> freeze(bool frozen) override {
    std::string file = leaf_ + "/cgroup.freeze";
    if (!exists(file)) {
      return errno_error(ENOTSUP, "freeze cgroup {}: no cgroup.freeze (needs Linux 5.2)", leaf_);
    }
    TRY(write_file(file, frozen ? "1" : "0"));
    // Freezing takes effect asynchronously; cgroup.events says `frozen 1`
    // once every process is stopped.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (true) {
      auto events = read_file(leaf_ + "/cgroup.events");
      auto state = events ? cgroupfs::keyed_value(events.value(), "frozen") : std::nullopt;
      if (!state || (*state == 1) == frozen) return ok();
      if (std::chrono::steady_clock::now() > deadline) {
        return errno_error(ETIMEDOUT, "{} cgroup {}: not done after 1 s",
                           frozen ? "freeze" : "thaw", leaf_);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  Result<void> destroy() override {
    auto kill_all = [this] {
      // cgroup.kill (Linux 5.14) kills the whole subtree at once, even
      // frozen processes, and races no fork; older kernels get SIGKILL per
      // pid from kill_and_remove.
      std::string kill_file = leaf_ + "/cgroup.kill";
      auto pids = cgroupfs::read_pids(leaf_ + "/cgroup.procs");
      if (exists(kill_file) && pids && !pids.value().empty()) (void)write_file(kill_file, "1");
    };
    // Usually the container's processes are gone by now and rmdir just
    // works; only a busy leaf needs killing and waiting for.
    if (!cgroupfs::remove_if_empty(ops_, {leaf_}).empty()) {
      TRY_CTX(cgroupfs::kill_and_remove(ops_, {leaf_}, kill_all), "destroy cgroup " + relative_);
    }
    // The last container out removes the shared `pocker` directory too,
    // whoever made it; one still in use refuses (EBUSY) and stays.
    std::vector<std::string> above(joined_.begin(), joined_.end());
    if (!above.empty() && above.back() == leaf_) above.pop_back();
    cgroupfs::remove_unused(ops_, above);
    created_.clear();
    joined_.clear();
    return ok();
  }

  std::string path() const override { return relative_; }
  std::vector<std::string> dirs() const override { return {leaf_}; }

 private:
  std::string parent_dir() const { return leaf_.substr(0, leaf_.rfind('/')); }

  Result<void> create_once() {
    std::string dir = unified_;
    // A level offers its children at most what it has itself: once one has
    // none of the wanted controllers (a hybrid host's cgroup2 mount has
    // none at all), the levels below are not even read.
    bool may_offer = true;
    for (const auto& part : parts_) {
      // Only a level this cgroup made must accept the controllers; the
      // mount root or a level someone else made may refuse (a root that
      // holds processes inside a container, say) and the limits that need
      // them then fail clearly in apply().
      bool ours = contains(created_, dir);
      if (may_offer) {
        auto offered = enable_controllers(dir, ours);
        if (!offered && ours) return std::move(offered).error();
        may_offer = !offered || offered.value();
      }
      dir += "/" + part;
      if (TRY(cgroupfs::make_dir(ops_, dir)) && !contains(created_, dir)) created_.push_back(dir);
      if (!contains(joined_, dir)) joined_.push_back(dir);
    }
    return ok();
  }

  // Writes "+cpu +memory ..." to dir's cgroup.subtree_control for the wanted
  // controllers dir has (its cgroup.controllers) and has not yet enabled;
  // true if it has any. cgroup.subtree_control is read only when there is
  // something to enable, and not for a level we made (`new_level`): a new
  // cgroup enables nothing.
  Result<bool> enable_controllers(const std::string& dir, bool new_level) {
    std::vector<std::string> available = words_of(dir + "/cgroup.controllers");
    std::vector<const char*> offered;
    for (const char* controller : wanted_) {
      if (contains(available, controller)) offered.push_back(controller);
    }
    if (offered.empty()) return false;
    std::vector<std::string> enabled;
    if (!new_level) enabled = words_of(dir + "/cgroup.subtree_control");
    std::string change;
    for (const char* controller : offered) {
      if (contains(enabled, controller)) continue;
      change += std::string(change.empty() ? "" : " ") + "+" + controller;
    }
    if (change.empty()) return true;
    TRY_CTX(write_file(dir + "/cgroup.subtree_control", change),
            "enable controllers for " + relative_);
    return true;
  }

  std::string unified_;
  std::vector<std::string> parts_;
  CgroupDirOps ops_;
  std::string relative_;  // "/pocker/<id>"
  std::string leaf_;      // unified_ + relative_
  std::vector<std::string> created_;  // directories create() made, top-down
  std::vector<std::string> joined_;   // every level create() went through, top-down
  std::vector<const char*> wanted_;   // the controllers to switch on above the leaf
};

}  // namespace

Result<std::unique_ptr<Cgroup>> make_cgroup_v2(const std::string& unified,
                                               const std::string& relative_path,
                                               const CgroupDirOps& ops,
                                               const std::vector<std::string>& controllers) {
  auto parts = TRY(cgroupfs::split_relative(relative_path));
  return std::unique_ptr<Cgroup>(
      std::make_unique<CgroupV2>(unified, std::move(parts), ops, controllers));
}

}  // namespace pocker
