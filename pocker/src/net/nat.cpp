// The `ip pocker` table: rules added per container in one transaction,
// found again by their comment, and deleted together. Every change happens
// under flock(2) on the hold directory, so a container's rules and the
// table's "last rule gone, drop the table" never race with another pocker.
#include "pocker/nat.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "nftables.hpp"
#include "pocker/fs.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

using json = nlohmann::json;

std::string comment_of(const std::string& container_id) { return "pocker:" + container_id; }

// The directory, open and locked: the lock of every change to the table.
Result<Fd> lock_dir(const std::string& dir) {
  TRY(make_dirs(dir, 0700));
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open {}", dir);
  while (::flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) return sys_error("flock {}", dir);
  }
  return fd;
}

bool looks_like_id(const std::string& name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The rules of the table, by chain and handle, with their comments. An
// absent table has none.
struct TableRule {
  std::string chain;
  long handle = 0;
  std::string comment;
};

// The table's rules; nullopt when there is no table.
Result<std::optional<std::vector<TableRule>>> list_rules() {
  auto listed = nft_run(fmt::format("list table ip {}\n", kNatTable), NftOutput::kJsonWithHandles);
  // libnftables has no error code for "no such table", only its text.
  if (!listed) return std::optional<std::vector<TableRule>>{};
  json j = json::parse(listed.value(), nullptr, false);
  if (!j.is_object() || !j.contains("nftables") || !j["nftables"].is_array()) {
    return user_error("nftables: cannot read the listing of table ip {}", kNatTable);
  }
  std::vector<TableRule> rules;
  for (const json& item : j["nftables"]) {
    if (!item.is_object() || !item.contains("rule")) continue;
    const json& rule = item["rule"];
    TableRule r;
    r.chain = rule.value("chain", "");
    r.handle = rule.value("handle", 0L);
    r.comment = rule.value("comment", "");
    rules.push_back(std::move(r));
  }
  return std::optional<std::vector<TableRule>>(std::move(rules));
}

// With the directory locked.
Result<void> remove_locked(const std::string& container_id) {
  std::optional<std::vector<TableRule>> table = TRY(list_rules());
  if (!table) return ok();
  std::string script;
  size_t left = 0;
  for (const TableRule& r : *table) {
    if (r.comment == comment_of(container_id)) {
      script += fmt::format("delete rule ip {} {} handle {}\n", kNatTable, r.chain, r.handle);
    } else {
      ++left;
    }
  }
  // The last container's rules take the table with them: no empty chains
  // hooked into every packet's path. (Empty already: a container of an
  // internal network without published ports had no rule to delete.)
  if (left == 0) script = fmt::format("delete table ip {}\n", kNatTable);
  if (script.empty()) return ok();
  TRY_CTX(nft_run(script), fmt::format("remove the NAT rules of container {}", container_id.substr(0, 12)));
  return ok();
}

}  // namespace

bool nat_by_dnat(const PortMapping& mapping) { return (mapping.host_ip.value >> 24) != 127; }

std::string nat_add_script(const NatRules& rules) {
  std::string comment = comment_of(rules.container_id);
  std::string ip = to_string(rules.address);
  std::string subnet = to_string(Ipv4Net{rules.subnet.network(), rules.subnet.prefix});
  // `add` (not `create`) of the table and chains: present is fine.
  std::string s = fmt::format("add table ip {0}\n"
                              "add chain ip {0} prerouting {{ type nat hook prerouting priority dstnat; policy accept; }}\n"
                              "add chain ip {0} output {{ type nat hook output priority -100; policy accept; }}\n"
                              "add chain ip {0} postrouting {{ type nat hook postrouting priority srcnat; policy accept; }}\n",
                              kNatTable);
  bool any_dnat = false;
  for (const PortMapping& m : rules.ports) {
    if (!nat_by_dnat(m)) continue;
    any_dnat = true;
    // 0.0.0.0: any of the host's own addresses; else exactly the one given.
    std::string to_host = m.host_ip.value == 0 ? std::string("fib daddr type local")
                                               : "ip daddr " + to_string(m.host_ip);
    std::string match = fmt::format("{} {} dport {}", to_host, protocol_name(m.protocol), m.host_port);
    std::string target = fmt::format("dnat to {}:{}", ip, m.container_port);
    s += fmt::format("add rule ip {} prerouting {} {} comment \"{}\"\n", kNatTable, match, target, comment);
    // The host's own connections never pass prerouting. Those to 127/8
    // stay with the forwarder: DNAT of a loopback source would need
    // route_localnet.
    s += fmt::format("add rule ip {} output ip daddr != 127.0.0.0/8 {} {} comment \"{}\"\n", kNatTable,
                     match, target, comment);
  }
  if (rules.masquerade) {
    s += fmt::format("add rule ip {} postrouting ip saddr {} ip daddr != {} masquerade comment \"{}\"\n",
                     kNatTable, ip, subnet, comment);
  }
  if (any_dnat) {
    // Hairpin: a container (or its neighbour) reaching a published port
    // through the host's address. Without masquerade the reply would go
    // straight back on the bridge, from an address the sender never
    // talked to (its own, for the container itself), and be dropped.
    s += fmt::format("add rule ip {} postrouting ip saddr {} ip daddr {} ct status dnat masquerade comment \"{}\"\n",
                     kNatTable, subnet, ip, comment);
  }
  return s;
}

Result<Fd> nat_add(const NatRules& rules, const std::string& hold_dir) {
  if (!looks_like_id(rules.container_id)) {
    return user_error("NAT rules: \"{}\" is not a container id", rules.container_id);
  }
  std::string what = fmt::format("NAT rules of container {}", rules.container_id.substr(0, 12));
  Fd dir = TRY_CTX(lock_dir(hold_dir), what);
  std::string path = hold_dir + "/" + rules.container_id;
  // Held before the directory's lock goes: a collector never sees the
  // rules of a live container without a held file.
  Fd hold(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!hold) return sys_error("{}: create {}", what, path);
  if (::flock(hold.get(), LOCK_EX | LOCK_NB) < 0) {
    return sys_error("{}: lock {} (is the container running twice?)", what, path);
  }
  if (auto added = nft_run(nat_add_script(rules)); !added) {
    ::unlink(path.c_str());
    return std::move(added).error().wrap(what);
  }
  return hold;
}

Result<void> nat_remove(const std::string& container_id, const std::string& hold_dir) {
  if (!looks_like_id(container_id)) return user_error("NAT rules: \"{}\" is not a container id", container_id);
  Fd dir = TRY(lock_dir(hold_dir));
  TRY(remove_locked(container_id));
  std::string path = hold_dir + "/" + container_id;
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return sys_error("remove {}", path);
  return ok();
}

Result<int> nat_collect(const std::string& hold_dir) {
  if (::access(hold_dir.c_str(), F_OK) < 0) return 0;  // never a NAT rule on this host
  Fd dir = TRY(lock_dir(hold_dir));
  std::vector<std::string> ids;
  if (DIR* d = ::fdopendir(::dup(dir.get()))) {
    while (struct dirent* e = ::readdir(d)) {
      if (looks_like_id(e->d_name)) ids.push_back(e->d_name);
    }
    ::closedir(d);
  }
  int collected = 0;
  for (const std::string& id : ids) {
    std::string path = hold_dir + "/" + id;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) continue;  // gone, or its holder lives
    TRY(remove_locked(id));
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) return sys_error("remove {}", path);
    trace("collected the NAT rules of container {}: their holder is gone", id.substr(0, 12));
    ++collected;
  }
  return collected;
}

Result<void> enable_ip_forward() {
  constexpr const char* kPath = "/proc/sys/net/ipv4/ip_forward";
  auto now = read_file(kPath);
  if (now && !now.value().empty() && now.value()[0] == '1') return ok();
  TRY_CTX(write_file(kPath, "1"), "enable IPv4 forwarding for the bridge's NAT");
  trace("write {} \"1\" = ok (the host now routes between the bridge and its other interfaces)", kPath);
  return ok();
}

}  // namespace pocker
