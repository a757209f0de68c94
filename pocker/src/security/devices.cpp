// The device cgroup's rules: docker's defaults, parsing `--device` and
// `--device-cgroup-rule`, and writing the rules on cgroup v1.
//
// The rule syntax is the v1 one (Documentation/admin-guide/cgroup-v1/
// devices.rst): `TYPE MAJOR:MINOR ACCESS`, TYPE one of a (all), c (char),
// b (block), `*` for any number, ACCESS some of r, w, m (mknod). The v2
// program (device_program.cpp) reads the same rules.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <sstream>

#include "pocker/devices.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

DeviceRule allow(char type, int64_t major, int64_t minor, const char* access) {
  return DeviceRule{true, type, major, minor, access};
}

// Keeps the letters of r, w, m that `letters` holds, in that order, or
// nullopt if it holds anything else or nothing at all.
std::optional<std::string> canonical_access(std::string_view letters) {
  if (letters.empty()) return std::nullopt;
  bool r = false, w = false, m = false;
  for (char c : letters) {
    if (c == 'r') r = true;
    else if (c == 'w') w = true;
    else if (c == 'm') m = true;
    else return std::nullopt;
  }
  return std::string(r ? "r" : "") + (w ? "w" : "") + (m ? "m" : "");
}

// A major or minor number, or -1 for `*`. Capped at INT32_MAX: the v2
// program compares against a 32-bit immediate (and the kernel's own
// numbers are 12 and 20 bits wide, include/linux/kdev_t.h).
std::optional<int64_t> parse_number(std::string_view text) {
  if (text == "*") return -1;
  if (text.empty() || text.size() > 10) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > INT32_MAX) return std::nullopt;
  return value;
}

std::string number_text(int64_t n) { return n < 0 ? "*" : std::to_string(n); }

// One rule per write(2): the kernel parses each write as one rule, and
// strips the newline (security/device_cgroup.c, devcgroup_access_write),
// which is there so that a test's plain file reads as lines.
Result<void> write_rule(const Fd& fd, const std::string& path, const std::string& line) {
  std::string_view shown(line.data(), line.size() - 1);
  ssize_t n = ::write(fd.get(), line.data(), line.size());
  if (n < 0) return sys_error("write {} \"{}\"", path, shown);
  if (static_cast<size_t>(n) != line.size()) return errno_error(EIO, "short write to {}", path);
  trace("write {} \"{}\" = ok", path, shown);
  return ok();
}

// Opens an existing v1 rule file. O_APPEND is harmless on cgroupfs (it
// ignores the offset) and lets a test's plain file keep every line.
Result<Fd> open_rule_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!fd) return sys_error("open {}", path);
  return fd;
}

}  // namespace

std::vector<DeviceRule> default_device_rules() {
  // docker's list (moby oci/defaults.go; SECURITY-NOTES.md). Later rules
  // win, so the deny-all comes first. 10:229 (fuse) is not allowed.
  return {
      DeviceRule{false, 'a', -1, -1, "rwm"},  // deny everything not listed below
      allow('c', -1, -1, "m"),                // mknod of any char device (made, not opened)
      allow('b', -1, -1, "m"),                // mknod of any block device
      allow('c', 1, 3, "rwm"),                // /dev/null
      allow('c', 1, 5, "rwm"),                // /dev/zero
      allow('c', 1, 7, "rwm"),                // /dev/full
      allow('c', 1, 8, "rwm"),                // /dev/random
      allow('c', 1, 9, "rwm"),                // /dev/urandom
      allow('c', 5, 0, "rwm"),                // /dev/tty
      allow('c', 5, 1, "rwm"),                // /dev/console
      allow('c', 5, 2, "rwm"),                // /dev/ptmx
      allow('c', 136, -1, "rwm"),             // /dev/pts/* (Unix98 pty slaves)
  };
}

std::vector<DeviceRule> privileged_device_rules() { return {allow('a', -1, -1, "rwm")}; }

Result<DeviceRule> parse_device_rule(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  auto bad = [&](const std::string& why) {
    return user_error("device rule \"{}\": {}", text, why);
  };
  if (words.empty()) return bad("empty (expected TYPE MAJOR:MINOR ACCESS, e.g. c 1:3 rwm)");
  if (words.size() > 3) return bad("too many fields (expected TYPE MAJOR:MINOR ACCESS)");
  const std::string& type = words[0];
  if (type != "a" && type != "b" && type != "c") {
    return bad(fmt::format("bad type \"{}\" (a, b or c)", type));
  }
  DeviceRule rule{true, type[0], -1, -1, "rwm"};
  if (rule.type == 'a') {
    // The v1 kernel reads any line starting with `a` as "all devices" and
    // ignores the rest (security/device_cgroup.c); accept only the forms
    // that mean exactly that, so v1 and v2 cannot disagree.
    if (words.size() == 1 || (words.size() == 3 && words[1] == "*:*" && words[2] == "rwm")) {
      return rule;
    }
    return bad("type a means every device: write `a` or `a *:* rwm`");
  }
  if (words.size() < 2) return bad("no MAJOR:MINOR (e.g. 1:3, or *:* for any)");
  const std::string& numbers = words[1];
  auto colon = numbers.find(':');
  if (colon == std::string::npos) return bad(fmt::format("bad number \"{}\" (MAJOR:MINOR)", numbers));
  auto major = parse_number(std::string_view(numbers).substr(0, colon));
  auto minor = parse_number(std::string_view(numbers).substr(colon + 1));
  if (!major || !minor) {
    return bad(fmt::format("bad number \"{}\" (MAJOR:MINOR, each a number or *)", numbers));
  }
  rule.major = *major;
  rule.minor = *minor;
  if (words.size() < 3) return bad("no access letters (some of r, w, m)");
  auto access = canonical_access(words[2]);
  if (!access) return bad(fmt::format("bad access \"{}\" (some of r, w, m)", words[2]));
  rule.access = *access;
  return rule;
}

std::string device_rule_line(const DeviceRule& rule) {
  if (rule.type == 'a') return "a";
  return fmt::format("{} {}:{} {}", rule.type, number_text(rule.major), number_text(rule.minor),
                     rule.access);
}

namespace {

// What the container's node copies from the host's (stat(2) of a char or
// block device): its type, numbers, permission bits and owner.
void take_node(const struct stat& st, DeviceMapping& m) {
  m.type = S_ISCHR(st.st_mode) ? 'c' : 'b';
  m.major = ::major(st.st_rdev);
  m.minor = ::minor(st.st_rdev);
  m.mode = st.st_mode & 07777;
  m.uid = st.st_uid;
  m.gid = st.st_gid;
}

}  // namespace

Result<DeviceMapping> parse_device_mapping(const std::string& text) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    auto colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3) return user_error("--device {}: expected HOST[:CONTAINER[:PERMISSIONS]]", text);
  DeviceMapping m;
  m.host_path = parts[0];
  if (m.host_path.empty() || m.host_path[0] != '/') {
    return user_error("--device {}: the host path must be absolute", text);
  }
  // docker's short form: `/dev/fuse:rw` is permissions, not a path.
  if (parts.size() == 2 && canonical_access(parts[1])) parts = {parts[0], parts[0], parts[1]};
  m.container_path = parts.size() > 1 ? parts[1] : m.host_path;
  if (m.container_path.empty() || m.container_path[0] != '/') {
    return user_error("--device {}: container path \"{}\" is not absolute", text, m.container_path);
  }
  // mount_dev() makes the node below the container's root: `..` could
  // leave it.
  if (m.container_path == "/" || ("/" + m.container_path + "/").find("/../") != std::string::npos) {
    return user_error("--device {}: container path \"{}\" must name a file inside the container",
                      text, m.container_path);
  }
  if (parts.size() > 2) {
    auto access = canonical_access(parts[2]);
    if (!access) {
      return user_error("--device {}: bad permissions \"{}\" (some of r, w, m)", text, parts[2]);
    }
    m.access = *access;
  }
  // stat, not lstat: /dev/disk/by-id/... are links to the node.
  struct stat st;
  if (::stat(m.host_path.c_str(), &st) < 0) return sys_error("--device {}", m.host_path);
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return user_error("--device {}: not a character or block device", m.host_path);
  }
  take_node(st, m);
  return m;
}

DeviceRule rule_for(const DeviceMapping& mapping) {
  return DeviceRule{true, mapping.type, mapping.major, mapping.minor, mapping.access};
}

std::vector<DeviceMapping> host_devices(const std::string& dev) {
  std::vector<DeviceMapping> found;
  DIR* dir = ::opendir(dev.c_str());
  if (!dir) return found;
  while (const dirent* entry = ::readdir(dir)) {
    std::string path = dev + "/" + entry->d_name;
    struct stat st;
    // lstat: links (/dev/stdin, /dev/core) are not devices of their own.
    if (::lstat(path.c_str(), &st) < 0) continue;
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) continue;
    DeviceMapping m;
    m.host_path = m.container_path = path;
    take_node(st, m);
    found.push_back(std::move(m));
  }
  ::closedir(dir);
  std::sort(found.begin(), found.end(),
            [](const DeviceMapping& a, const DeviceMapping& b) { return a.host_path < b.host_path; });
  return found;
}

Result<void> write_v1_device_rules(const std::string& dir, const std::vector<DeviceRule>& rules) {
  std::string deny_path = dir + "/devices.deny";
  std::string allow_path = dir + "/devices.allow";
  Fd deny = TRY(open_rule_file(deny_path));
  Fd allow_fd = TRY(open_rule_file(allow_path));
  // `a` written to devices.deny drops every inherited exception and makes
  // deny the default (cgroup-v1/devices.rst, "3. Hierarchy"); a first rule
  // of type `a` does the same by itself.
  if (rules.empty() || rules.front().type != 'a') TRY(write_rule(deny, deny_path, "a\n"));
  for (const auto& rule : rules) {
    if (rule.allow) {
      TRY(write_rule(allow_fd, allow_path, device_rule_line(rule) + "\n"));
    } else {
      TRY(write_rule(deny, deny_path, device_rule_line(rule) + "\n"));
    }
  }
  return ok();
}

}  // namespace pocker
