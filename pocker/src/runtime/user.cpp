#include "pocker/user.hpp"

#include <grp.h>
#include <unistd.h>

#include <charconv>
#include <optional>
#include <sstream>
#include <vector>

#include "pocker/fs.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

std::optional<unsigned> to_number(const std::string& text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Finds the line whose field 0 (name) or field 2 (id) matches, in the
// colon-separated format shared by /etc/passwd and /etc/group.
std::optional<std::vector<std::string>> find_entry(const std::string& file,
                                                   const std::string& key, bool by_id) {
  std::istringstream lines(file);
  std::string line;
  while (std::getline(lines, line)) {
    // Split by hand: getline would drop an empty last field ("staff:x:50:").
    std::vector<std::string> fields(1);
    for (char c : line) {
      if (c == ':') fields.emplace_back();
      else fields.back().push_back(c);
    }
    if (fields.size() < 4) continue;
    if ((by_id ? fields[2] : fields[0]) == key) return fields;
  }
  return std::nullopt;
}

}  // namespace

Result<UserIds> resolve_user(const std::string& spec, const std::string& passwd,
                             const std::string& group) {
  std::string user = spec.substr(0, spec.find(':'));
  std::string grp = spec.find(':') == std::string::npos ? "" : spec.substr(spec.find(':') + 1);
  if (user.empty()) return user_error("invalid user \"{}\"", spec);

  UserIds ids;
  if (auto number = to_number(user)) {
    ids.uid = *number;
    auto entry = find_entry(passwd, user, true);
    ids.gid = entry ? to_number((*entry)[3]).value_or(0) : 0;
  } else {
    auto entry = find_entry(passwd, user, false);
    if (!entry) return user_error("user \"{}\" not found in the container's /etc/passwd", user);
    auto uid = to_number((*entry)[2]);
    auto gid = to_number((*entry)[3]);
    if (!uid || !gid) return user_error("bad /etc/passwd entry for \"{}\"", user);
    ids.uid = *uid;
    ids.gid = *gid;
  }
  if (!grp.empty()) {
    if (auto number = to_number(grp)) {
      ids.gid = *number;
    } else {
      auto entry = find_entry(group, grp, false);
      if (!entry) return user_error("group \"{}\" not found in the container's /etc/group", grp);
      auto gid = to_number((*entry)[2]);
      if (!gid) return user_error("bad /etc/group entry for \"{}\"", grp);
      ids.gid = *gid;
    }
  }
  return ids;
}

Result<void> switch_user(const std::string& spec) {
  auto passwd = read_file("/etc/passwd");
  auto group = read_file("/etc/group");
  auto ids = TRY(resolve_user(spec, passwd ? passwd.value() : "", group ? group.value() : ""));
  // Order matters: drop supplementary groups and the gid while still root.
  if (::setgroups(0, nullptr) < 0) return sys_error("setgroups");
  if (::setgid(ids.gid) < 0) return sys_error("setgid {}", ids.gid);
  if (::setuid(ids.uid) < 0) return sys_error("setuid {}", ids.uid);
  trace("setgroups([]), setgid({}), setuid({}) = ok", ids.gid, ids.uid);
  return ok();
}

}  // namespace pocker
