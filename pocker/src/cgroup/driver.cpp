// Picking the driver for the host, and finding cgroups a dead pocker left.
#include <filesystem>
#include <set>

#include "pocker/cgroup.hpp"

namespace pocker {

Cgroup::~Cgroup() = default;

Result<std::unique_ptr<Cgroup>> make_cgroup(const CgroupHost& host,
                                            const std::string& relative_path,
                                            const CgroupDirOps& ops,
                                            const std::vector<std::string>& controllers) {
  switch (host.layout) {
    case CgroupLayout::kV2:
      return make_cgroup_v2(host.unified, relative_path, ops, controllers);
    case CgroupLayout::kV1:
    case CgroupLayout::kHybrid:
      // A hybrid host's cgroup2 mount carries no controllers (they are all
      // bound to v1 hierarchies), so the limits can only be written in v1.
      return make_cgroup_v1(host.v1_mounts, relative_path, ops, controllers);
    case CgroupLayout::kNone:
      break;
  }
  return user_error("cgroup {}: no cgroup file system is mounted, so no limits can be set",
                    relative_path);
}

std::vector<std::string> v1_controllers_for(const Resources& r) {
  // freezer: `pocker pause` must find the container whole in one cgroup;
  // moving its processes in later would race with their forks.
  std::vector<std::string> controllers = {"cpuacct", "memory", "pids", "freezer", "devices"};
  if (r.cpus || r.cpu_shares) controllers.push_back("cpu");
  if (r.cpuset_cpus) controllers.push_back("cpuset");
  return controllers;
}

Result<std::vector<std::string>> find_stale_cgroups(const CgroupHost& host,
                                                    const std::string& parent,
                                                    const CgroupDirOps& ops) {
  auto top = TRY(make_cgroup(host, parent, ops));
  // The same name can appear in every v1 hierarchy: gather each once.
  std::set<std::string> names;
  for (const auto& dir : top->dirs()) {
    std::error_code ec;  // a hierarchy without `parent` yet has nothing stale
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_directory(type_ec)) names.insert(it->path().filename().string());
    }
  }
  std::vector<std::string> stale;
  for (const auto& name : names) {
    std::string relative = top->path() + "/" + name;
    auto cgroup = TRY(make_cgroup(host, relative, ops));
    bool empty = true;
    for (const auto& dir : cgroup->dirs()) {
      auto pids = cgroupfs::read_pids(dir + "/cgroup.procs");
      if (pids && !pids.value().empty()) {
        empty = false;  // one busy hierarchy is enough: the others need no reading
        break;
      }
    }
    if (empty) stale.push_back(relative.substr(1));  // "pocker/<id>", as make_cgroup takes it
  }
  return stale;
}

Result<std::vector<std::string>> cleanup_stale_cgroups(
    const CgroupHost& host, const std::string& parent,
    const std::function<bool(const std::string& relative_path)>& keep, const CgroupDirOps& ops) {
  auto stale = TRY(find_stale_cgroups(host, parent, ops));
  std::vector<std::string> removed;
  for (const auto& relative : stale) {
    if (keep && keep(relative)) continue;
    auto cgroup = TRY(make_cgroup(host, relative, ops));
    TRY_CTX(cgroup->destroy(), "remove stale cgroup " + relative);
    removed.push_back(relative);
  }
  return removed;
}

}  // namespace pocker
