#include "pocker/state.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <nlohmann/json.hpp>

#include "json_number.hpp"
#include "security_json.hpp"
#include "pocker/fs.hpp"
#include "pocker/trace.hpp"

namespace pocker {

using nlohmann::json;

uint64_t process_start_time(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return 0;
  // The command name (field 2) may hold spaces and ')': skip past the last ')'.
  std::string s = text.value();
  size_t paren = s.rfind(')');
  if (paren == std::string::npos || paren + 2 >= s.size()) return 0;
  // A zombie (Z) or dying (X) process has ended; it only waits to be reaped.
  char state = s[paren + 2];
  if (state == 'Z' || state == 'X') return 0;
  std::istringstream fields(s.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return std::stoull(field);
  }
  return 0;
}

bool process_is(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  uint64_t now = process_start_time(pid);
  return now != 0 && (start_time == 0 || now == start_time);
}

namespace {

std::string rfc3339(const struct timespec& ts) {
  struct tm tm;
  ::gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  ::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:09d}Z", buf, ts.tv_nsec);
}

// Published ports as `{"host_ip", "host_port", "container_port", "protocol"}`.
json ports_to_json(const std::vector<PortMapping>& ports) {
  json out = json::array();
  for (const PortMapping& m : ports) {
    out.push_back({{"host_ip", to_string(m.host_ip)}, {"host_port", m.host_port},
                   {"container_port", m.container_port}, {"protocol", protocol_name(m.protocol)}});
  }
  return out;
}

// Read back through the same parser as `-p`, so a hand-edited file holds
// nothing a flag could not say.
Result<std::vector<PortMapping>> ports_from_json(const json& j) {
  std::vector<PortMapping> ports;
  if (!j.is_array()) return user_error("ports: not an array");
  for (const json& p : j) {
    if (!p.is_object()) return user_error("ports: an entry is not an object");
    std::string text = fmt::format("{}:{}:{}/{}", p.value("host_ip", ""),
                                   p.contains("host_port") ? p.at("host_port").dump() : "",
                                   p.contains("container_port") ? p.at("container_port").dump() : "",
                                   p.value("protocol", ""));
    ports.push_back(TRY(parse_publish(text)));
  }
  return ports;
}

}  // namespace

std::string now_rfc3339() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return rfc3339(ts);
}

std::string spec_to_json(const ContainerSpec& spec) {
  const auto& r = spec.resources;
  json j = {
      {"id", spec.id},
      {"name", spec.name},
      {"image", spec.image},
      {"rootfs", spec.rootfs},
      {"rootfs_is_image", spec.rootfs_is_image},
      {"image_ref", spec.image_ref},
      {"image_digest", spec.image_digest},
      {"image_id", spec.image_id},
      {"layers", spec.layers},
      {"hostname", spec.hostname},
      {"process",
       {{"args", spec.process.args},
        {"env", spec.process.env},
        {"cwd", spec.process.cwd},
        {"user", spec.process.user},
        {"interactive", spec.process.interactive},
        {"terminal", spec.process.terminal}}},
      {"namespaces",
       {{"mount", spec.namespaces.mount},
        {"uts", spec.namespaces.uts},
        {"ipc", spec.namespaces.ipc},
        {"pid", spec.namespaces.pid},
        {"net", spec.namespaces.net},
        {"cgroup", spec.namespaces.cgroup},
        {"user", spec.namespaces.user}}},
      {"network", spec.network},
      {"net",
       {{"network_id", spec.network_id},
        {"ip", spec.ip},
        {"aliases", spec.aliases},
        {"extra_hosts", spec.extra_hosts},
        {"dns", spec.dns}}},
      {"resources", json::object()},
      {"no_pivot", spec.no_pivot},
      {"remove", spec.remove},
      {"init", spec.init},
      {"read_only", spec.read_only},
      {"state_dir", spec.state_dir},
  };
  if (r.cpus) j["resources"]["cpus"] = *r.cpus;
  if (r.memory) j["resources"]["memory"] = *r.memory;
  if (r.memory_swap) j["resources"]["memory_swap"] = *r.memory_swap;
  if (r.pids_limit) j["resources"]["pids_limit"] = *r.pids_limit;
  if (r.cpuset_cpus) j["resources"]["cpuset_cpus"] = *r.cpuset_cpus;
  if (r.cpu_shares) j["resources"]["cpu_shares"] = *r.cpu_shares;
  json mounts = json::array();
  for (const auto& m : spec.mounts) {
    mounts.push_back({{"source", m.source}, {"target", m.target}, {"type", m.type},
                      {"read_only", m.read_only}});
  }
  j["mounts"] = mounts;
  if (!spec.ports.empty()) j["ports"] = ports_to_json(spec.ports);
  // --userns: the maps as written to uid_map and gid_map, "inside outside count".
  auto map_json = [](const std::vector<IdMap>& maps) {
    json lines = json::array();
    for (const auto& m : maps) lines.push_back({m.inside, m.outside, m.count});
    return lines;
  };
  j["userns"] = {{"mode", spec.userns}, {"uid_map", map_json(spec.uid_map)},
                 {"gid_map", map_json(spec.gid_map)}};
  j["security"] = security_to_json(spec.security);
  return j.dump(2);
}

Result<ContainerSpec> spec_from_json(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return user_error("config.json: not valid JSON");
  ContainerSpec spec;
  try {
    spec.id = j.at("id");
    spec.name = j.at("name");
    spec.image = j.at("image");
    spec.rootfs = j.at("rootfs");
    spec.rootfs_is_image = j.at("rootfs_is_image");
    // Containers made before images had layers: `rootfs` was the one layer.
    if (j.contains("layers")) {
      spec.layers = j["layers"].get<std::vector<std::string>>();
      spec.image_ref = j.value("image_ref", "");
      spec.image_digest = j.value("image_digest", "");
      spec.image_id = j.value("image_id", "");
    } else if (spec.rootfs_is_image) {
      spec.layers = {spec.rootfs};
    }
    spec.hostname = j.at("hostname");
    const auto& p = j.at("process");
    spec.process.args = p.at("args").get<std::vector<std::string>>();
    spec.process.env = p.at("env").get<std::vector<std::string>>();
    spec.process.cwd = p.at("cwd");
    spec.process.user = p.at("user");
    spec.process.interactive = p.at("interactive");
    spec.process.terminal = p.at("terminal");
    const auto& n = j.at("namespaces");
    spec.namespaces = {n.at("mount"), n.at("uts"), n.at("ipc"), n.at("pid"),
                       n.at("net"),   n.at("cgroup"), n.at("user")};
    // Written before the bridge existed: `none` or `host`, as the namespace says.
    spec.network = j.value("network", spec.namespaces.net ? "none" : "host");
    spec.ports = TRY(ports_from_json(j.value("ports", json::array())));
    if (j.contains("net")) {
      const auto& net = j["net"];
      spec.network_id = net.value("network_id", "");
      spec.ip = net.value("ip", "");
      spec.aliases = net.value("aliases", std::vector<std::string>{});
      spec.extra_hosts = net.value("extra_hosts", std::vector<std::string>{});
      spec.dns = net.value("dns", std::vector<std::string>{});
    }
    const auto& r = j.at("resources");
    if (r.contains("cpus")) spec.resources.cpus = r["cpus"].get<double>();
    if (r.contains("memory")) spec.resources.memory = json_integer<uint64_t>(r["memory"]);
    if (r.contains("memory_swap")) spec.resources.memory_swap = json_integer<int64_t>(r["memory_swap"]);
    if (r.contains("pids_limit")) spec.resources.pids_limit = json_integer<int64_t>(r["pids_limit"]);
    if (r.contains("cpuset_cpus")) spec.resources.cpuset_cpus = r["cpuset_cpus"].get<std::string>();
    if (r.contains("cpu_shares")) spec.resources.cpu_shares = json_integer<uint64_t>(r["cpu_shares"]);
    spec.no_pivot = j.at("no_pivot");
    spec.remove = j.at("remove");
    spec.init = j.value("init", false);
    spec.read_only = j.value("read_only", false);
    spec.state_dir = j.at("state_dir");
    for (const auto& m : j.value("mounts", json::array())) {
      spec.mounts.push_back({m.at("source"), m.at("target"), m.at("type"), m.at("read_only")});
    }
    const json userns = j.value("userns", json::object());
    spec.userns = userns.value("mode", "");
    // at(), not []: a line with fewer than three numbers would read past
    // the array (found by fuzz/spec_json_fuzz).
    auto map_line = [](const json& m) {
      return IdMap{json_integer<uint32_t>(m.at(0)), json_integer<uint32_t>(m.at(1)),
                   json_integer<uint32_t>(m.at(2))};
    };
    for (const auto& m : userns.value("uid_map", json::array())) spec.uid_map.push_back(map_line(m));
    for (const auto& m : userns.value("gid_map", json::array())) spec.gid_map.push_back(map_line(m));
    spec.security = TRY(security_from_json(j.value("security", json())));
  } catch (const json::exception& e) {
    return user_error("config.json: {}", e.what());
  }
  return spec;
}

namespace {

json state_to_json(const ContainerState& s) {
  json j = {{"id", s.id},           {"name", s.name},
            {"status", s.status},   {"pid", s.pid},
            {"monitor", s.monitor}, {"monitor_start", s.monitor_start},
            {"exit_code", s.exit_code}, {"oom_killed", s.oom_killed},
            {"cgroup", s.cgroup},   {"created_at", s.created_at},
            {"started_at", s.started_at}, {"finished_at", s.finished_at}};
  if (!s.address.ip.empty()) {
    j["network"] = {{"ip_address", s.address.ip},
                    {"gateway", s.address.gateway},
                    {"prefix_len", s.address.prefix_len}};
    if (!s.address.ports.empty()) j["network"]["ports"] = ports_to_json(s.address.ports);
  }
  return j;
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

StateStore::StateStore(std::string root) : root_(std::move(root)) {}

Result<void> StateStore::reserve_name(const std::string& name, const std::string& id) {
  if (!valid_name(name)) {
    return user_error("invalid container name \"{}\": use letters, digits, _ . - (starting with a letter or digit)", name);
  }
  TRY(make_dirs(root_ + "/names", 0700));
  std::string path = root_ + "/names/" + name;
  // O_EXCL: of two pockers taking the same name at once, exactly one wins.
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno == EEXIST) {
      auto owner = read_file(path);
      return user_error("the name \"{}\" is already in use by container {}", name,
                        owner ? owner.value().substr(0, 12) : std::string("?"));
    }
    return sys_error("reserve name {}", path);
  }
  if (::write(fd.get(), id.data(), id.size()) != static_cast<ssize_t>(id.size())) {
    return sys_error("write {}", path);
  }
  trace("write {} (the name, O_EXCL) = ok", path);
  return ok();
}

void StateStore::release_name(const std::string& name) {
  if (!name.empty()) ::unlink((root_ + "/names/" + name).c_str());
}

Result<void> StateStore::create(const ContainerSpec& spec) {
  TRY(make_dirs(root_ + "/containers", 0700));
  if (::mkdir(dir(spec.id).c_str(), 0700) < 0) return sys_error("mkdir {}", dir(spec.id));
  trace_abbreviate(dir(spec.id), "$C");
  // No state.json yet: load() reads its absence as `created`. The first one
  // is written when the container starts; a file that replaces another
  // costs the disk more than a new one (ext4 writes the new one out first).
  TRY(write_file_atomic(dir(spec.id) + "/config.json", spec_to_json(spec), 0600));
  trace("write {}/config.json = ok", dir(spec.id));
  return ok();
}

Result<void> StateStore::remove(const std::string& id) {
  auto spec = load_spec(id);
  return remove(id, spec ? spec.value().name : name_of(id));
}

// The name whose file holds `id`: for a container without config.json, the
// leftover of a pocker killed between making the directory and writing it.
std::string StateStore::name_of(const std::string& id) const {
  DIR* d = ::opendir((root_ + "/names").c_str());
  if (!d) return "";
  std::string found;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    auto owner = read_file(root_ + "/names/" + e->d_name);
    if (owner && owner.value() == id) {
      found = e->d_name;
      break;
    }
  }
  ::closedir(d);
  return found;
}

Result<void> StateStore::remove(const std::string& id, const std::string& name) {
  release_name(name);
  // Out of the way first, with one rename(2): from then on no path leads
  // into it, so nothing (OpLock::take() making op.lock, a state write) can
  // add a file while it is deleted, and of two removers the second finds
  // nothing. A `.removing-` directory left by a killed pocker is listed
  // nowhere; the next remove of the same id deletes it.
  std::string doomed = root_ + "/containers/.removing-" + id;
  int moved = ::rename(dir(id).c_str(), doomed.c_str());
  if (moved < 0 && (errno == ENOTEMPTY || errno == EEXIST)) {
    TRY(remove_tree(doomed));  // that leftover, first
    moved = ::rename(dir(id).c_str(), doomed.c_str());
  }
  if (moved < 0 && errno != ENOENT) return sys_error("rename {}", dir(id));
  TRY(remove_tree(doomed));
  trace("remove {} = ok", dir(id));
  // Last: should pocker die before, the next one finds the rest (collect.hpp).
  ::unlink(autoremove_path(id).c_str());
  return ok();
}

Result<ContainerSpec> StateStore::load_spec(const std::string& id) const {
  auto text = TRY(read_file(dir(id) + "/config.json"));
  return spec_from_json(text);
}

Result<ContainerState> StateStore::load(const std::string& id) const {
  auto text = read_file(dir(id) + "/state.json");
  if (!text && text.error().err() == ENOENT) return created_state(id);
  if (!text) return std::move(text).error();
  json j = json::parse(text.value(), nullptr, false);
  if (j.is_discarded()) return user_error("{}/state.json: not valid JSON", dir(id));
  // value() throws on a document that is not an object or a key of the
  // wrong type: an error here, never an exception out of `ps` (found by
  // fuzz/state_json_fuzz).
  if (!j.is_object()) return user_error("{}/state.json: not a JSON object", dir(id));
  ContainerState s;
  try {
    s.id = j.value("id", id);
    s.name = j.value("name", "");
    s.status = j.value("status", "created");
    auto number = [&j]<typename T>(const char* key, T fallback) {
      return j.contains(key) ? json_integer<T>(j.at(key)) : fallback;
    };
    s.pid = number("pid", pid_t{0});
    s.monitor = number("monitor", pid_t{0});
    s.monitor_start = number("monitor_start", uint64_t{0});
    s.exit_code = number("exit_code", 0);
    s.oom_killed = j.value("oom_killed", false);
    s.cgroup = j.value("cgroup", "");
    s.created_at = j.value("created_at", "");
    s.started_at = j.value("started_at", "");
    s.finished_at = j.value("finished_at", "");
    // Absent in files of a container without a bridge address (or older).
    const json network = j.value("network", json::object());
    s.address.ip = network.value("ip_address", "");
    s.address.gateway = network.value("gateway", "");
    s.address.prefix_len = network.contains("prefix_len") ? json_integer<int>(network.at("prefix_len")) : 0;
    auto ports = ports_from_json(network.value("ports", json::array()));
    if (!ports) return std::move(ports).error().wrap(fmt::format("{}/state.json", dir(id)));
    s.address.ports = std::move(ports).value();
  } catch (const json::exception& e) {
    return user_error("{}/state.json: {}", dir(id), e.what());
  }
  // Never report a lie: "running" with no live monitor means it died with
  // its monitor (PR_SET_PDEATHSIG), and nobody recorded how.
  if (s.status == "running" && !process_is(s.monitor, s.monitor_start)) {
    s.status = "dead";
    s.pid = 0;
    s.address = {};  // its lease went with its monitor (collect.hpp)
  }
  return s;
}

// A container whose state.json is not written yet: made, never started.
// Without config.json either, pocker was killed while it made the
// container: still `created`, so that `ps -a` shows it and `rm` removes it.
Result<ContainerState> StateStore::created_state(const std::string& id) const {
  ContainerState s;
  s.id = id;
  s.created_at = TRY(created_at(id));
  auto spec = load_spec(id);
  s.name = spec ? spec.value().name : name_of(id);
  return s;
}

Result<std::string> StateStore::created_at(const std::string& id) const {
  struct stat st;
  std::string config = dir(id) + "/config.json";
  if (::stat(config.c_str(), &st) == 0) return rfc3339(st.st_mtim);
  if (::stat(dir(id).c_str(), &st) == 0) return rfc3339(st.st_mtim);
  return sys_error("{}", dir(id));
}

Result<void> StateStore::save(const ContainerState& state) {
  // A monitor that could not read the state back has no id to write under:
  // dir("") would put a stray state.json straight into <root>/containers.
  if (state.id.empty()) return user_error("save state: no container id");
  TRY(write_file_atomic(dir(state.id) + "/state.json", state_to_json(state).dump(2), 0600));
  trace("write {}/state.json ({}) = ok", dir(state.id), state.status);
  return ok();
}

Result<StateLock> StateStore::lock(const std::string& id) const {
  // The container's own directory: a lock file would be one more file to
  // make and delete at every run.
  std::string path = dir(id);
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open {}", path);
  while (::flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) return sys_error("flock {}", path);
  }
  return StateLock(std::move(fd));
}

std::vector<std::string> StateStore::list() const {
  std::vector<std::pair<std::string, std::string>> found;  // created_at, id
  DIR* d = ::opendir((root_ + "/containers").c_str());
  if (!d) return {};
  while (struct dirent* e = ::readdir(d)) {
    std::string id = e->d_name;
    if (id.size() != 64) continue;
    auto state = load(id);
    found.emplace_back(state ? state.value().created_at : "", id);
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  std::vector<std::string> ids;
  for (auto& [created, id] : found) ids.push_back(id);
  return ids;
}

Result<std::string> StateStore::resolve(const std::string& ref) const {
  if (ref.empty()) return user_error("no container given");
  if (auto owner = read_file(root_ + "/names/" + ref); owner && valid_name(ref)) {
    if (::access(dir(owner.value()).c_str(), F_OK) == 0) return owner.value();
  }
  std::vector<std::string> matches;
  for (const auto& id : list()) {
    if (id.compare(0, ref.size(), ref) == 0) matches.push_back(id);
  }
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) return user_error("no such container: {}", ref);
  return user_error("container prefix \"{}\" is ambiguous: {} containers match", ref, matches.size());
}

std::string generate_name(const std::string& id) {
  // Deterministic from the id, so a retry after a clash picks another id.
  static constexpr const char* kAdjectives[] = {
      "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen",
      "lucid", "merry", "nimble", "proud", "quick", "sharp", "tidy", "witty"};
  static constexpr const char* kNouns[] = {
      "otter", "falcon", "panda", "tiger", "heron", "koala", "lynx",  "marten",
      "newt",  "orca",   "puffin", "quail", "raven", "seal", "turtle", "wombat"};
  unsigned a = static_cast<unsigned>(std::stoul(id.substr(0, 2), nullptr, 16)) % 16;
  unsigned n = static_cast<unsigned>(std::stoul(id.substr(2, 2), nullptr, 16)) % 16;
  return std::string(kAdjectives[a]) + "_" + kNouns[n] + "_" + id.substr(4, 4);
}

}  // namespace pocker
