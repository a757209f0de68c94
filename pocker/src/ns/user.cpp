// User namespace: ids inside map to other ids outside. The parent writes
// /proc/<child>/uid_map and gid_map while the child waits on the sync
// channel; until then the child is "nobody" inside and can do nothing.
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "pocker/fs.hpp"
#include "pocker/namespaces.hpp"
#include "pocker/process.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

std::string map_text(const std::vector<IdMap>& maps) {
  std::string text;
  for (const auto& m : maps) text += fmt::format("{} {} {}\n", m.inside, m.outside, m.count);
  return text;
}

// newuidmap PID inside outside count ...: a setuid helper from the uidmap
// package that is allowed to write ranges listed in /etc/subuid.
Result<void> run_map_helper(const char* helper, pid_t child, const std::vector<IdMap>& maps) {
  std::vector<std::string> args = {helper, std::to_string(child)};
  for (const auto& m : maps) {
    args.push_back(std::to_string(m.inside));
    args.push_back(std::to_string(m.outside));
    args.push_back(std::to_string(m.count));
  }
  auto proc = TRY(spawn(CloneOptions{}, [&] {
    (void)exec_in_path(args, {}, "/usr/bin:/bin");
    return 127;
  }));
  auto status = TRY(proc.wait());
  std::string shown = map_text(maps);
  std::replace(shown.begin(), shown.end(), '\n', ';');
  trace("{} {} {}= {}", helper, child, shown, status.describe());
  if (status.shell_code() != 0) return user_error("{} for pid {} {}", helper, child, status.describe());
  return ok();
}

// The first range of `user` (name or uid) in /etc/subuid or /etc/subgid.
std::optional<IdMap> sub_range(const std::string& file, const std::string& name, uint32_t id) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream parts(line);
    std::string who, start, count;
    if (!std::getline(parts, who, ':') || !std::getline(parts, start, ':') ||
        !std::getline(parts, count)) {
      continue;
    }
    if (who != name && who != std::to_string(id)) continue;
    try {
      return IdMap{1, static_cast<uint32_t>(std::stoul(start)),
                   static_cast<uint32_t>(std::stoul(count))};
    } catch (const std::exception&) {
      continue;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<void> user_write_maps(pid_t child, const std::vector<IdMap>& uids,
                             const std::vector<IdMap>& gids) {
  bool simple = uids.size() == 1 && gids.size() == 1 && uids[0].count == 1 && gids[0].count == 1;
  if (!simple) {
    TRY(run_map_helper("newuidmap", child, uids));
    return run_map_helper("newgidmap", child, gids);
  }
  std::string proc = "/proc/" + std::to_string(child);
  TRY(write_file(proc + "/uid_map", map_text(uids)));
  // An unprivileged writer must deny setgroups before it may write gid_map
  // (user_namespaces(7)): otherwise the child could drop a group that
  // denies it access, which the host's permissions rely on.
  if (::geteuid() != 0) TRY(write_file(proc + "/setgroups", "deny"));
  return write_file(proc + "/gid_map", map_text(gids));
}

void rootless_maps(std::vector<IdMap>& uids, std::vector<IdMap>& gids) {
  uint32_t uid = ::geteuid(), gid = ::getegid();
  uids = {IdMap{0, uid, 1}};
  gids = {IdMap{0, gid, 1}};
  if (::access("/usr/bin/newuidmap", X_OK) != 0 || ::access("/usr/bin/newgidmap", X_OK) != 0) {
    return;
  }
  const struct passwd* pw = ::getpwuid(uid);
  std::string name = pw ? pw->pw_name : "";
  auto subuid = sub_range("/etc/subuid", name, uid);
  auto subgid = sub_range("/etc/subgid", name, uid);
  if (subuid && subgid) {
    uids.push_back(*subuid);
    gids.push_back(*subgid);
  }
}

}  // namespace pocker
