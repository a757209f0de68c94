// User-defined networks: the store's definitions and the host's parts
// (see pocker/user_network.hpp for why there are two).
#include "pocker/spec.hpp"
#include "pocker/user_network.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "pocker/fs.hpp"
#include "pocker/ipam.hpp"
#include "pocker/isolation.hpp"
#include "pocker/netlink.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

using json = nlohmann::json;

std::string random_id() { return random_hex(32); }

std::string now_text() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  ::gmtime_r(&ts.tv_sec, &tm);
  char text[64];
  ::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

bool is_id(const std::string& name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string to_json(const UserNetwork& n) {
  json j = {{"name", n.name},
            {"id", n.id},
            {"subnet", to_string(n.subnet)},
            {"gateway", to_string(n.gateway)},
            {"internal", n.internal},
            {"created", n.created},
            {"store", n.store}};
  return j.dump(2) + "\n";
}

Result<UserNetwork> from_json(const std::string& text, const std::string& path) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return user_error("network file {}: not valid JSON", path);
  UserNetwork n;
  try {
    n.name = j.at("name");
    n.id = j.at("id");
    n.subnet = TRY(parse_subnet(j.at("subnet").get<std::string>()));
    n.gateway = TRY(parse_ipv4(j.at("gateway").get<std::string>()));
    n.internal = j.value("internal", false);
    n.created = j.value("created", "");
    n.store = j.value("store", "");
  } catch (const json::exception& e) {
    return user_error("network file {}: {}", path, e.what());
  }
  if (!is_id(n.id)) return user_error("network file {}: bad id \"{}\"", path, n.id);
  return n;
}

// The host-wide lock around "check the subnets, then write": of two
// creates asking for the same free subnet, the second sees the first's.
Result<Fd> lock_networks(int how) {
  TRY(make_dirs(kNetworksDir, 0700));
  std::string path = std::string(kNetworksDir) + "/.lock";
  Fd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return sys_error("open {}", path);
  while (::flock(fd.get(), how) < 0) {
    if (errno != EINTR) return sys_error("lock {}", path);
  }
  return fd;
}

// Every network part on the host (ids only: `bridge` is the default network's).
std::vector<UserNetwork> host_networks() {
  std::vector<UserNetwork> found;
  DIR* d = ::opendir(kNetworksDir);
  if (!d) return found;
  std::vector<std::string> ids;
  while (dirent* e = ::readdir(d)) {
    if (is_id(e->d_name)) ids.push_back(e->d_name);
  }
  ::closedir(d);
  for (const std::string& id : ids) {
    if (auto n = load_network(id)) found.push_back(std::move(n).value());
  }
  return found;
}

// The host's IPv4 routes (/proc/net/route: hex, network byte order),
// except the default route and those of pocker's own bridges, which the
// network parts already account for.
std::vector<std::pair<std::string, Ipv4Net>> host_routes() {
  std::vector<std::pair<std::string, Ipv4Net>> routes;
  std::ifstream in("/proc/net/route");
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string iface, dest, gateway, flags, refcnt, use, metric, mask;
    if (!(fields >> iface >> dest >> gateway >> flags >> refcnt >> use >> metric >> mask)) continue;
    uint32_t d = static_cast<uint32_t>(std::stoul(dest, nullptr, 16));
    uint32_t m = static_cast<uint32_t>(std::stoul(mask, nullptr, 16));
    if (m == 0) continue;
    if (iface == "pocker0" || (iface.size() == 14 && iface.rfind("pb", 0) == 0)) continue;
    int prefix = __builtin_popcount(m);
    routes.push_back({iface, Ipv4Net{Ipv4{__builtin_bswap32(d)}, prefix}});
  }
  return routes;
}

// Why `subnet` cannot be had, or "" when it can.
std::string conflict(const Ipv4Net& subnet, const std::vector<UserNetwork>& networks,
                     const std::vector<std::pair<std::string, Ipv4Net>>& routes) {
  BridgeNetwork standard;
  if (subnet.overlaps(standard.subnet)) {
    return fmt::format("the default bridge network's {}", to_string(standard.subnet));
  }
  for (const UserNetwork& n : networks) {
    if (subnet.overlaps(n.subnet)) {
      return fmt::format("network {}'s {}", n.name, to_string(n.subnet));
    }
  }
  for (const auto& [iface, route] : routes) {
    if (subnet.overlaps(route)) return fmt::format("the host's route {} on {}", to_string(route), iface);
  }
  return "";
}

Result<Ipv4Net> choose_subnet(const NetworkRequest& request, const std::vector<UserNetwork>& networks) {
  auto routes = host_routes();
  if (request.subnet) {
    std::string why = conflict(*request.subnet, networks, routes);
    if (!why.empty()) {
      return user_error("network {}: subnet {} overlaps {}", request.name, to_string(*request.subnet), why);
    }
    return *request.subnet;
  }
  Ipv4Net pool = TRY(parse_subnet(kNetworkPool));
  for (uint32_t v = pool.network().value; v < pool.broadcast().value; v += 256) {
    Ipv4Net candidate{Ipv4{v}, 24};
    if (conflict(candidate, networks, routes).empty()) return candidate;
  }
  return user_error("network {}: no free /24 left in {}: give --subnet", request.name, kNetworkPool);
}

Result<Ipv4> choose_gateway(const NetworkRequest& request, const Ipv4Net& subnet) {
  if (subnet.prefix > 30) {
    return user_error("network {}: subnet {} is too small: want /30 or larger (a gateway and one container)",
                      request.name, to_string(subnet));
  }
  if (!request.gateway) return Ipv4{subnet.network().value + 1};
  Ipv4 gateway = *request.gateway;
  if (!subnet.contains(gateway) || gateway == subnet.network() || gateway == subnet.broadcast()) {
    return user_error("network {}: gateway {} is not a host address of {}", request.name,
                      to_string(gateway), to_string(subnet));
  }
  return gateway;
}

// Deletes what the host holds of `network`; each part gone already is fine.
Result<void> remove_host_part(const UserNetwork& network) {
  stop_dns_responder(network);
  Netlink host = TRY(Netlink::open());
  if (auto deleted = host.delete_link(network.bridge()); !deleted && deleted.error().err() != ENODEV) {
    return std::move(deleted).error().wrap(fmt::format("remove network {}", network.name));
  }
  trace("network {}: bridge {} gone", network.name, network.bridge());
  TRY(unisolate_bridge(network.bridge(), network.id));
  return remove_tree(network.host_dir());
}

}  // namespace

BridgeNetwork UserNetwork::bridge_network() const {
  BridgeNetwork b;
  b.bridge = bridge();
  b.subnet = subnet;
  b.gateway = gateway;
  b.lease_dir = host_dir() + "/leases";
  b.id = id;
  return b;
}

Result<void> check_network_name(const std::string& name) {
  bool good = !name.empty() && name.size() <= 64 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    good = good && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  }
  if (!good) {
    return user_error("invalid network name \"{}\": use letters, digits, _ . - (starting with a letter or digit)",
                      name);
  }
  if (name == "none" || name == "host" || name == "bridge" || name == "default") {
    return user_error("network name \"{}\" is a built-in network mode", name);
  }
  return ok();
}

NetworkStore::NetworkStore(std::string root) : root_(std::move(root)) {
  // Absolute, because the host part names the store (collect_networks()).
  if (char* real = ::realpath(root_.c_str(), nullptr)) {
    root_ = real;
    ::free(real);
  }
  dir_ = root_ + "/networks";
}

Result<UserNetwork> NetworkStore::create(const NetworkRequest& request) {
  TRY(check_network_name(request.name));
  TRY(make_dirs(dir_, 0700));
  std::string path = dir_ + "/" + request.name + ".json";
  if (::access(path.c_str(), F_OK) == 0) return user_error("network {} already exists", request.name);
  Fd lock = TRY(lock_networks(LOCK_EX));
  UserNetwork n;
  n.name = request.name;
  n.id = random_id();
  n.subnet = TRY(choose_subnet(request, host_networks()));
  n.gateway = TRY(choose_gateway(request, n.subnet));
  n.internal = request.internal;
  n.created = now_text();
  n.store = root_;
  // The host part first: a definition is never seen without one. Both
  // under the lock, so a collector (which takes it too) never finds the
  // host part without its definition.
  TRY(make_dirs(n.host_dir() + "/leases", 0700));
  TRY(make_dirs(n.host_dir() + "/names", 0700));
  auto undo = [&n] { (void)remove_tree(n.host_dir()); };
  if (auto written = write_file_atomic(n.host_dir() + "/network.json", to_json(n)); !written) {
    undo();
    return std::move(written).error();
  }
  // Kept apart from every other network before any container can join.
  if (auto isolated = isolate_bridge(n.bridge(), n.id); !isolated) {
    undo();
    return std::move(isolated).error().wrap(fmt::format("network {}", n.name));
  }
  auto undo_all = [&n, &undo] {
    (void)unisolate_bridge(n.bridge(), n.id);
    undo();
  };
  // O_EXCL: of two creates of one name, one wins.
  Fd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!file) {
    Error error = errno == EEXIST ? user_error("network {} already exists", request.name)
                                  : sys_error("create {}", path);
    undo_all();
    return error;
  }
  std::string text = to_json(n);
  if (::write(file.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    Error error = sys_error("write {}", path);
    ::unlink(path.c_str());
    undo_all();
    return error;
  }
  trace("network {}: id {}, subnet {}, gateway {}, bridge {}{}", n.name, n.id.substr(0, 12),
        to_string(n.subnet), to_string(n.gateway), n.bridge(), n.internal ? ", internal" : "");
  return n;
}

Result<std::vector<UserNetwork>> NetworkStore::list() const {
  std::vector<UserNetwork> found;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return found;
  std::vector<std::string> files;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) files.push_back(name);
  }
  ::closedir(d);
  for (const std::string& file : files) {
    std::string path = dir_ + "/" + file;
    auto text = read_file(path);
    if (!text) continue;  // removed meanwhile
    found.push_back(TRY(from_json(text.value(), path)));
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return found;
}

Result<UserNetwork> NetworkStore::find(const std::string& ref) const {
  std::vector<UserNetwork> matches;
  for (UserNetwork& n : TRY(list())) {
    if (n.name == ref || n.id == ref) return std::move(n);
    if (ref.size() >= 3 && n.id.rfind(ref, 0) == 0) matches.push_back(std::move(n));
  }
  if (matches.size() == 1) return std::move(matches.front());
  if (matches.size() > 1) return user_error("network id prefix {} is ambiguous", ref);
  return user_error("network {} not found", ref);
}

Result<void> NetworkStore::remove(const UserNetwork& network,
                                  const std::function<std::string(const std::vector<std::string>&)>& in_use) {
  Fd lock = TRY(lock_networks(LOCK_EX));
  // Under the lease directory's own lock: a container being attached now
  // either has its lease already (and is named here), or finds the
  // directory gone and fails its start.
  std::string leases = network.host_dir() + "/leases";
  Fd dir(::open(leases.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) {
    while (::flock(dir.get(), LOCK_EX) < 0) {
      if (errno != EINTR) return sys_error("lock {}", leases);
    }
    std::vector<std::string> ids;
    DIR* d = ::opendir(leases.c_str());
    while (d) {
      dirent* e = ::readdir(d);
      if (!e) break;
      if (!parse_ipv4(e->d_name)) continue;
      auto owner = read_file(leases + "/" + e->d_name);
      if (owner) ids.push_back(owner.value().substr(0, owner.value().find('\n')));
    }
    if (d) ::closedir(d);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (!ids.empty()) {
      return user_error("network {} is in use by {}: stop them or `network disconnect` first", network.name,
                        in_use(ids));
    }
    TRY(remove_tree(leases));
  }
  TRY(remove_host_part(network));
  std::string path = dir_ + "/" + network.name + ".json";
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return sys_error("remove {}", path);
  trace("network {} removed", network.name);
  return ok();
}

Result<UserNetwork> load_network(const std::string& id) {
  if (!is_id(id)) return user_error("network id \"{}\": want 64 hex digits", id);
  std::string path = std::string(kNetworksDir) + "/" + id + "/network.json";
  auto text = read_file(path);
  if (!text) return user_error("network {} is gone (no {})", id.substr(0, 12), path);
  return from_json(text.value(), path);
}

Result<std::vector<std::string>> network_users(const UserNetwork& network,
                                               const std::function<bool(const std::string&)>& alive) {
  Ipam ipam(network.host_dir() + "/leases", network.subnet, network.gateway);
  std::set<std::string> ids;
  for (const Lease& lease : TRY(ipam.leases())) {
    if (lease.held || alive(lease.container_id)) ids.insert(lease.container_id);
  }
  return std::vector<std::string>(ids.begin(), ids.end());
}

void stop_dns_responder(const UserNetwork& network) {
  std::string lock_path = network.host_dir() + "/dns.lock";
  Fd lock(::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!lock) return;
  // Free: no responder runs, and the pid file may name anyone by now.
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) == 0) return;
  auto pid_text = read_file(network.host_dir() + "/dns.pid");
  if (!pid_text) return;
  pid_t pid = static_cast<pid_t>(std::atoi(pid_text.value().c_str()));
  if (pid <= 1) return;
  ::kill(pid, SIGTERM);
  trace("kill({}, SIGTERM): the DNS responder of network {}", pid, network.name);
  // Wait for it (its lock goes with it), at most a second.
  for (int i = 0; i < 100; ++i) {
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) == 0) return;
    ::usleep(10000);
  }
  ::kill(pid, SIGKILL);
}

void collect_networks(const std::function<bool(const std::string&)>& alive) {
  for (const UserNetwork& network : host_networks()) {
    std::string definition = network.store + "/networks/" + network.name + ".json";
    auto text = read_file(definition);
    auto defined = text ? from_json(text.value(), definition) : Result<UserNetwork>(user_error("gone"));
    if (!defined || defined.value().id != network.id) {
      // Its store is gone (a test's --root deleted without `network rm`).
      // Under the lock, and only without live containers.
      auto lock = lock_networks(LOCK_EX);
      auto users = network_users(network, alive);
      if (!lock || !users || !users.value().empty()) continue;
      if (::access(definition.c_str(), F_OK) == 0) continue;  // made meanwhile
      auto removed = remove_host_part(network);
      trace("collect network {} of the store {} that is gone = {}", network.name, network.store,
            removed ? "ok" : removed.error().message());
      continue;
    }
    BridgeNetwork bridge = network.bridge_network();
    Ipam ipam(bridge.lease_dir, bridge.subnet, bridge.gateway);
    auto leases = ipam.leases();
    if (!leases) continue;
    bool unheld = false;
    for (const Lease& lease : leases.value()) unheld = unheld || !lease.held;
    if (unheld) {
      auto host = Netlink::open();
      if (!host) continue;
      auto freed = bridge_collect(host.value(), bridge, alive);
      if (freed && freed.value() > 0) {
        trace("network {}: collected {} containers whose pocker is gone", network.name, freed.value());
        leases = ipam.leases();
      }
    }
    // The responder has no one left to answer for.
    if (leases && leases.value().empty()) stop_dns_responder(network);
  }
}

}  // namespace pocker
