// The container's cgroup, as the runtime uses it: made and limited before
// the child exists, removed when the container ends, whatever the reason.
#include "container_cgroup.hpp"

#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "pocker/runtime.hpp"
#include "pocker/state.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// A cgroup directory younger than this may belong to a container that is
// still starting (made, but its process not yet inside).
constexpr time_t kStaleAfterSeconds = 5;

// True for a cgroup that may belong to a container still starting: one
// with a directory made moments ago. (On v1 a starting pocker makes them
// one hierarchy after the other, and only in the hierarchies its limits
// need: a missing directory says nothing, the youngest one does.)
bool maybe_starting(const CgroupHost& host, const std::string& relative) {
  auto cgroup = make_cgroup(host, relative);  // only to learn its directories
  if (!cgroup) return true;
  for (const auto& dir : cgroup.value()->dirs()) {
    struct stat st;
    if (::stat(dir.c_str(), &st) < 0) continue;
    if (::time(nullptr) - st.st_ctime < kStaleAfterSeconds) return true;
  }
  return false;
}

}  // namespace

ContainerCgroup::~ContainerCgroup() {
  if (cgroup_) {
    if (auto removed = cgroup_->destroy(); !removed) {
      trace("remove cgroup {}: {}", cgroup_->path(), removed.error().message());
    }
  }
}

Result<void> ContainerCgroup::create(const std::string& id, const Resources& resources,
                                     const std::vector<DeviceRule>& device_rules) {
  bool rootless = ::geteuid() != 0;
  if (rootless && !device_rules.empty()) {
    // Loading a device program needs CAP_BPF and CAP_SYS_ADMIN, and v1's
    // devices.allow root; the user namespace already refuses mknod, and
    // host nodes bound in keep their host permissions.
    trace("device cgroup skipped: rootless (the user namespace keeps host devices out of reach)");
  }
  // Rootless with no limits: no cgroup at all, so no delegation is needed.
  if (rootless && resources.empty()) return ok();
  host_ = TRY_CTX(detect_cgroups(), "detect cgroups");
  if (rootless) {
    // Rootless: only inside the v2 subtree delegated to us, and only with
    // every controller the limits need; checked before anything is made.
    // From here on the host is that subtree, so `pocker/<id>`, the stale
    // cleanup and the controllers' switching all happen below its top
    // (src/cgroup/delegation.cpp explains the choice).
    Delegation delegation = find_delegation(host_);
    host_ = TRY(delegated_host(host_, delegation, resources));
    if (delegation.top != "/") base_ = delegation.top;
  } else if (host_.layout == CgroupLayout::kNone) {
    if (resources.empty()) {
      if (!device_rules.empty()) trace("device cgroup skipped: no cgroup file system is mounted");
      return ok();
    }
    return user_error("resource limits need cgroups, and none are mounted on this host");
  }
  // A pocker killed by SIGKILL cannot clean up: its empty cgroups are
  // removed here, by the next one.
  auto stale = cleanup_stale_cgroups(host_, "pocker", [this](const std::string& relative) {
    return maybe_starting(host_, relative);
  });
  if (stale) {
    for (const auto& path : stale.value()) trace("removed stale cgroup {}", path);
  }
  // v1: only the hierarchies these limits and pocker's counters need.
  cgroup_ = TRY(make_cgroup(host_, "pocker/" + id, {}, v1_controllers_for(resources)));
  TRY_CTX(cgroup_->create(), "create cgroup");
  auto warnings = TRY_CTX(cgroup_->apply(resources), "apply limits");
  for (const auto& warning : warnings) ::dprintf(STDERR_FILENO, "pocker: warning: %s\n", warning.c_str());
  // After the limits, before the process exists: its very first open(2)
  // is already checked.
  if (!rootless) TRY(cgroup_->apply_devices(device_rules));
  if (host_.layout != CgroupLayout::kV2) {
    // v1: the child will join by itself. Should the files not open, the
    // parent's add_pid() still works, only slower.
    auto tasks = cgroup_->open_tasks();
    if (tasks) {
      tasks_ = std::move(tasks.value());
    } else {
      trace("{}: the parent moves the container in", tasks.error().message());
    }
  }
  return ok();
}

int ContainerCgroup::clone_fd() {
  if (!cgroup_) return -1;
  if (!dir_) {
    auto dir = cgroup_->open_dir();  // v1 has none: the parent adds the pid instead
    if (!dir) return -1;
    dir_ = std::move(dir.value());
  }
  return dir_.get();
}

void ContainerCgroup::join_in_child(const SyncEnd& sync) {
  if (tasks_.empty()) return;
  auto joined = cgroupfs::join_self(tasks_);
  tasks_.clear();  // this process's copies; nothing later needs them
  if (joined) return;
  // The parent listens for errors only once it has sent kGo.
  if (sync.expect(SyncMessage::Type::kGo)) {
    sync.send_error(SyncStage::kSetup, std::move(joined).error().wrap("cgroup"));
  }
  ::_exit(kExitPockerFailed);
}

Result<void> ContainerCgroup::add_if_needed(pid_t pid) {
  if (!cgroup_ || dir_) return ok();  // v2 child started inside already
  if (!tasks_.empty()) {
    tasks_.clear();  // the child has its own copies and moves itself in
    return ok();
  }
  return cgroup_->add_pid(pid);
}

std::optional<uint64_t> ContainerCgroup::oom_kills() const {
  if (!cgroup_) return std::nullopt;
  auto stats = cgroup_->stats();
  if (!stats) return std::nullopt;
  return stats.value().oom_kills;
}

std::string ContainerCgroup::path() const { return cgroup_ ? base_ + cgroup_->path() : ""; }

std::vector<CgroupMount> ContainerCgroup::views() const {
  if (!cgroup_) return {};
  if (host_.layout == CgroupLayout::kV2) return {CgroupMount{"cgroup2", "", "", {}}};
  // v1 and hybrid: each hierarchy the container has a directory in, named
  // as on the host (`memory`, or `cpu,cpuacct` with `cpu` and `cpuacct`
  // links when co-mounted). The others would show the host's tree.
  std::vector<CgroupMount> mounts;
  for (const auto& dir : cgroup_->dirs()) {
    for (const auto& [controller, mount] : host_.v1_mounts) {
      if (dir.rfind(mount + "/", 0) != 0) continue;
      CgroupMount m{"cgroup", "", mount.substr(mount.rfind('/') + 1), {}};
      for (const auto& [other, other_mount] : host_.v1_mounts) {
        if (other_mount != mount) continue;
        m.options += (m.options.empty() ? "" : ",") + other;
        if (other != m.dir) m.links.push_back(other);
      }
      mounts.push_back(std::move(m));
      break;
    }
  }
  return mounts;
}

namespace {

// Where this pocker makes containers' cgroups: the host's hierarchies, or
// rootless the subtree delegated to the caller; none without either.
std::optional<CgroupHost> containers_host() {
  auto detected = detect_cgroups();
  if (!detected || detected.value().layout == CgroupLayout::kNone) return std::nullopt;
  CgroupHost host = std::move(detected.value());
  if (::geteuid() != 0) {
    // Without a delegated subtree, no rootless pocker made one.
    auto delegated = delegated_host(host, find_delegation(host), {});
    if (!delegated) return std::nullopt;
    host = std::move(delegated.value());
  }
  return host;
}

}  // namespace

Result<void> remove_container_cgroup(const std::string& id) {
  auto host = containers_host();
  if (!host) return ok();
  auto cgroup = TRY(make_cgroup(*host, "pocker/" + id));
  return cgroup->destroy();
}

Result<std::unique_ptr<Cgroup>> open_container_cgroup(const std::string& id) {
  auto host = containers_host();
  if (!host) return std::unique_ptr<Cgroup>();
  return make_cgroup(*host, "pocker/" + id);
}

Result<bool> container_cgroup_busy(const std::string& id) {
  auto host = containers_host();
  if (!host) return false;
  auto cgroup = TRY(make_cgroup(*host, "pocker/" + id));
  for (const auto& dir : cgroup->dirs()) {
    auto pids = cgroupfs::read_pids(dir + "/cgroup.procs");
    if (!pids && pids.error().err() == ENOENT) continue;  // not in this hierarchy
    if (!pids) return std::move(pids).error();
    for (pid_t pid : pids.value()) {
      // A zombie has ended; it only waits for its parent (or init) to reap it.
      if (process_start_time(pid) != 0) return true;
    }
  }
  return false;
}

}  // namespace pocker
