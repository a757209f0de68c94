// User namespace: ids inside map to other ids outside. The parent writes
// /proc/<child>/uid_map and gid_map while the child waits on the sync
// channel; until then the child is "nobody" inside and can do nothing.
// Rootless, root inside is the caller. As root, --userns maps root inside
// to a range of high host uids, so that a process that escapes the
// container is nobody on the host.
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
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

// One range of ids: the START:COUNT of an /etc/subuid line.
struct Range {
  uint32_t start = 0;
  uint32_t count = 0;
};

std::optional<uint32_t> to_id(const std::string& text) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A range is usable when it has ids and ends before 4294967295, which
// means "no id" to the kernel ((uid_t)-1).
bool usable(const Range& r) {
  return r.count > 0 && uint64_t{r.start} + r.count <= 4294967295ULL;
}

// The first usable range of `name` (or of the number `id`) in the text of
// /etc/subuid or /etc/subgid, whose lines are NAME:START:COUNT (subuid(5)).
std::optional<Range> sub_range(const std::string& text, const std::string& name,
                               const std::string& id) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream parts(line);
    std::string who, start, count;
    if (!std::getline(parts, who, ':') || !std::getline(parts, start, ':') ||
        !std::getline(parts, count)) {
      continue;
    }
    if (who != name && (id.empty() || who != id)) continue;
    auto first = to_id(start), size = to_id(count);
    if (first && size && usable({*first, *size})) return Range{*first, *size};
  }
  return std::nullopt;
}

UsernsChoice remapped(const Range& uids, const Range& gids) {
  return UsernsChoice{true, {IdMap{0, uids.start, uids.count}}, {IdMap{0, gids.start, gids.count}}};
}

}  // namespace

std::optional<uint32_t> outside_of_root(const std::vector<IdMap>& map) {
  for (const IdMap& line : map) {
    if (line.inside == 0) return line.outside;
  }
  return std::nullopt;
}

Result<void> user_write_maps(pid_t child, const std::vector<IdMap>& uids,
                             const std::vector<IdMap>& gids) {
  // Root may write any map itself (it has CAP_SETUID above the namespace);
  // an unprivileged caller only the one line of its own ids.
  bool simple = uids.size() == 1 && gids.size() == 1 && uids[0].count == 1 && gids[0].count == 1;
  if (!simple && ::geteuid() != 0) {
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
  auto text = [](const char* path) {
    auto content = read_file(path);
    return content ? content.value() : std::string();
  };
  auto subuid = sub_range(text("/etc/subuid"), name, std::to_string(uid));
  auto subgid = sub_range(text("/etc/subgid"), name, std::to_string(uid));
  if (subuid && subgid) {
    // Root inside is the caller; the range gives uids 1, 2, ... inside.
    uids.push_back(IdMap{1, subuid->start, subuid->count});
    gids.push_back(IdMap{1, subgid->start, subgid->count});
  }
}

Result<UsernsChoice> parse_userns(const std::string& value, const std::string& subuid,
                                  const std::string& subgid) {
  if (value == "host") return UsernsChoice{};
  if (value == "remap") {
    auto uids = sub_range(subuid, kRemapUser, "");
    auto gids = sub_range(subgid, kRemapUser, "");
    if (!uids || !gids) {
      return user_error("--userns remap: /etc/{} has no range for \"{}\" (add a line such as "
                        "{}:200000:65536 to /etc/subuid and /etc/subgid, or give a range: "
                        "--userns 200000:65536)",
                        uids ? "subgid" : "subuid", kRemapUser, kRemapUser);
    }
    return remapped(*uids, *gids);
  }
  size_t colon = value.find(':');
  std::optional<uint32_t> start, count;
  if (colon != std::string::npos) {
    start = to_id(value.substr(0, colon));
    count = to_id(value.substr(colon + 1));
  }
  if (!start || !count) {
    return user_error("invalid --userns \"{}\": use host, remap or UID:COUNT (such as 200000:65536)",
                      value);
  }
  // A range from 0 would make root inside root outside: no protection,
  // only the costs of a user namespace.
  if (*start == 0) {
    return user_error("invalid --userns \"{}\": the host range must not start at uid 0 "
                      "(for no user namespace, use --userns host)", value);
  }
  if (!usable({*start, *count})) {
    return user_error("invalid --userns \"{}\": COUNT must be at least 1, and the range must "
                      "end below 4294967295", value);
  }
  return remapped({*start, *count}, {*start, *count});
}

Result<void> become_namespace_root() {
  // Groups before the uid, as everywhere: changing the uid can drop
  // capabilities (capabilities(7)), and setgroups needs CAP_SETGID.
  if (::setresgid(0, 0, 0) < 0) return sys_error("setresgid(0, 0, 0)");
  if (::setgroups(0, nullptr) < 0) return sys_error("setgroups([])");
  if (::setresuid(0, 0, 0) < 0) return sys_error("setresuid(0, 0, 0)");
  trace("setresgid(0, 0, 0), setgroups([]), setresuid(0, 0, 0) = ok: root of the user namespace");
  return ok();
}

}  // namespace pocker
