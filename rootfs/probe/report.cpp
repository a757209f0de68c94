// `pocker-probe report`: everything a lab may want to know about the
// container, gathered from /proc, /sys and a few syscalls, in one object.
#include "probe.h"

#include <sched.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <map>

namespace probe {

namespace {

using StatusFields = std::map<std::string, std::string>;

// /proc/self/status is "Key:\tvalue" per line; parse it once and share it.
StatusFields read_status() {
  StatusFields fields;
  if (auto text = read_file("/proc/self/status")) {
    for (const auto& line : split_lines(*text)) {
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) fields[line.substr(0, colon)] = trim(line.substr(colon + 1));
    }
  }
  return fields;
}

json status_string(const StatusFields& fields, const std::string& key) {
  auto it = fields.find(key);
  return it == fields.end() ? json(nullptr) : json(it->second);
}

json status_int(const StatusFields& fields, const std::string& key) {
  long long value = 0;
  auto it = fields.find(key);
  if (it == fields.end() || !parse_int(it->second, value)) return nullptr;
  return value;
}

// uid_map/gid_map lines are "inside outside count".
json id_map(const std::string& path) {
  json triples = json::array();
  auto text = read_file(path);
  if (!text) return triples;
  for (const auto& line : split_lines(*text)) {
    auto words = split_words(line);
    std::array<long long, 3> v{};
    if (words.size() != 3 || !parse_int(words[0], v[0]) || !parse_int(words[1], v[1]) ||
        !parse_int(words[2], v[2])) {
      continue;
    }
    triples.push_back(json::array({v[0], v[1], v[2]}));
  }
  return triples;
}

json namespaces() {
  json result = json::object();
  for (const auto& name : list_dir("/proc/self/ns").value_or(std::vector<std::string>{})) {
    // stat() follows the magic link to the nsfs inode; that inode number is
    // the namespace's identity, so two processes share a namespace exactly
    // when the numbers match.
    struct stat st {};
    if (stat(("/proc/self/ns/" + name).c_str(), &st) == 0) result[name] = st.st_ino;
  }
  return result;
}

// Tries the cgroup's own directory first, then the mount root. With a cgroup
// namespace the path is "/" and both are the same; without one, /sys/fs/cgroup
// shows the whole hierarchy and only the own directory holds our limits.
void add_limit(json& limits, const std::string& mount, const std::string& cgroup_path,
               const std::string& file) {
  if (limits.contains(file)) return;  // an earlier hierarchy already answered
  std::string own_dir = mount + (cgroup_path == "/" ? "" : cgroup_path);
  for (const std::string& dir : {own_dir, mount}) {
    if (auto text = read_file(dir + "/" + file)) {
      limits[file] = trim(*text);
      return;
    }
  }
}

json cgroup_limits(const std::vector<std::string>& cgroup_lines) {
  static const std::array<std::string, 9> kV2Files = {
      "cpu.max",     "cpu.weight",  "memory.max",            "memory.high", "memory.swap.max",
      "pids.max",    "cpuset.cpus", "cpuset.cpus.effective", "cpuset.mems"};
  static const std::array<std::string, 8> kV1Files = {
      "cpu.cfs_quota_us",      "cpu.cfs_period_us",          "cpu.shares",
      "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "pids.max",
      "cpuset.cpus",           "cpuset.mems"};

  json limits = json::object();
  for (const auto& line : cgroup_lines) {
    // "hierarchy-id:controller-list:path"; the path itself may contain ':'.
    std::size_t first = line.find(':');
    std::size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);

    if (controllers.empty()) {  // cgroup v2: one unified hierarchy
      for (const auto& file : kV2Files) add_limit(limits, "/sys/fs/cgroup", path, file);
      continue;
    }
    // cgroup v1: one hierarchy per controller group, e.g. "cpu,cpuacct",
    // usually mounted under that joined name with per-controller symlinks.
    // Commas around the list let us match whole controller names only.
    const std::string listed = "," + controllers + ",";
    for (const auto& file : kV1Files) {
      std::string controller = file.substr(0, file.find('.'));
      if (listed.find("," + controller + ",") == std::string::npos) continue;
      add_limit(limits, "/sys/fs/cgroup/" + controllers, path, file);
      add_limit(limits, "/sys/fs/cgroup/" + controller, path, file);
    }
  }
  return limits;
}

std::string unescape_octal(std::string_view text) {
  // mountinfo escapes space, tab, newline and backslash as \ooo.
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      int value = 0;
      bool octal = true;
      for (std::size_t k = 1; k <= 3; ++k) {
        char c = text[i + k];
        octal &= c >= '0' && c <= '7';
        value = value * 8 + (c - '0');
      }
      if (octal) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

void add_mounts(json& report) {
  json mounts = json::array();
  int err = 0;
  auto text = read_file("/proc/self/mountinfo", &err);
  if (!text) report["mounts_error"] = "/proc/self/mountinfo: " + error_text(err);

  for (const auto& line : split_lines(text.value_or(""))) {
    // id parent major:minor root target options [optional...] - fstype source super
    auto words = split_words(line);
    std::size_t dash = 6;
    while (dash < words.size() && words[dash] != "-") ++dash;
    long long id = 0;
    long long parent = 0;
    if (dash + 3 >= words.size()) continue;  // malformed line
    if (!parse_int(words[0], id) || !parse_int(words[1], parent)) continue;
    mounts.push_back({{"id", id},
                      {"parent", parent},
                      {"target", unescape_octal(words[4])},
                      {"options", words[5]},
                      {"fstype", words[dash + 1]},
                      {"source", unescape_octal(words[dash + 2])},
                      {"super_options", words[dash + 3]}});
  }
  report["mounts"] = mounts;
}

void add_interfaces(json& report) {
  // /proc/net is per process: it always shows the caller's network namespace.
  // A sysfs mounted from another namespace would show that one's devices,
  // so /sys/class/net is only the fallback for when /proc is not mounted.
  if (auto text = read_file("/proc/net/dev")) {
    json names = json::array();
    auto lines = split_lines(*text);
    for (std::size_t i = 2; i < lines.size(); ++i) {  // two header lines
      std::size_t colon = lines[i].find(':');
      if (colon != std::string::npos) names.push_back(trim(lines[i].substr(0, colon)));
    }
    report["interfaces"] = names;
    report["interfaces_source"] = "/proc/net/dev";
  } else if (auto entries = list_dir("/sys/class/net")) {
    report["interfaces"] = *entries;
    report["interfaces_source"] = "/sys/class/net";
  } else {
    report["interfaces"] = json::array();
    report["interfaces_source"] = nullptr;
  }
}

}  // namespace

int cmd_report(const Args& own_argv) {
  json report = json::object();
  report["pid"] = getpid();
  report["ppid"] = getppid();
  report["uid"] = getuid();
  report["gid"] = getgid();
  report["euid"] = geteuid();
  report["egid"] = getegid();

  struct utsname names {};
  report["hostname"] = uname(&names) == 0 ? json(names.nodename) : json(nullptr);
  char cwd[PATH_MAX];
  // getcwd fails (ENOENT) when the cwd lies outside our root, e.g. after a
  // chroot without chdir; null says so more honestly than a guess would.
  report["cwd"] = getcwd(cwd, sizeof cwd) ? json(cwd) : json(nullptr);

  report["uid_map"] = id_map("/proc/self/uid_map");
  report["gid_map"] = id_map("/proc/self/gid_map");
  auto setgroups = read_file("/proc/self/setgroups");
  report["setgroups"] = setgroups ? json(trim(*setgroups)) : json(nullptr);
  report["ns"] = namespaces();

  auto cgroup_lines = split_lines(read_file("/proc/self/cgroup").value_or(""));
  report["cgroup"] = cgroup_lines;
  report["limits"] = cgroup_limits(cgroup_lines);

  StatusFields status = read_status();
  report["cpus_allowed"] = status_string(status, "Cpus_allowed_list");
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  report["ncpus"] = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? json(CPU_COUNT(&cpus)) : json(nullptr);
  report["caps"] = {{"inh", status_string(status, "CapInh")}, {"prm", status_string(status, "CapPrm")},
                    {"eff", status_string(status, "CapEff")}, {"bnd", status_string(status, "CapBnd")},
                    {"amb", status_string(status, "CapAmb")}};
  report["no_new_privs"] = status_int(status, "NoNewPrivs");
  report["seccomp"] = status_int(status, "Seccomp");

  add_mounts(report);
  add_interfaces(report);

  struct stat root {};
  if (stat("/", &root) == 0) {
    report["root_ino"] = root.st_ino;
    report["root_dev"] = root.st_dev;
  }
  report["env"] = environment();
  report["argv"] = own_argv;
  print_json(report);
  return 0;
}

}  // namespace probe
