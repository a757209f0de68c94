// What the user-network labs share: a network made for one test (removed with it, also when the
// test fails), its host-wide directory and leases, and a container's address as it sees it.
//
// Networks are per --root (each test has its own), but their bridges, subnets, leases and DNS
// responders are the host's: /run/pocker/networks/<id>/. Tests give no --subnet unless they
// test one, so parallel tests never ask for the same subnet.
#pragma once

#include <signal.h>

#include <string>
#include <vector>

#include "network/network.hpp"

namespace lab::network {

inline constexpr const char* kNetworksDir = "/run/pocker/networks";

// `network create ARGS... NAME`; the id it printed (empty if it failed). The fixture's Pocker
// removes the test's networks after its containers.
inline std::string create_network(const Pocker& pocker, const std::string& name,
                                  std::vector<std::string> args = {}) {
  std::vector<std::string> argv{"network", "create"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(name);
  const Outcome made = pocker.run(argv);
  std::string id = made.out.substr(0, made.out.find('\n'));
  return made.status == 0 && id.size() == 64 ? id : "";
}

inline nlohmann::json inspect_network(const Pocker& pocker, const std::string& name) {
  const Outcome shown = pocker.run({"network", "inspect", name});
  nlohmann::json j = nlohmann::json::parse(shown.out, nullptr, false);
  if (j.is_array() && !j.empty()) j = j[0];
  return j.is_object() ? j : nlohmann::json::object();
}

inline std::string subnet_of(const Pocker& pocker, const std::string& name) {
  const nlohmann::json j = inspect_network(pocker, name);
  if (!j.contains("IPAM")) return "";
  return j["IPAM"]["Config"][0].value("Subnet", "");
}

inline std::string gateway_of(const Pocker& pocker, const std::string& name) {
  const nlohmann::json j = inspect_network(pocker, name);
  if (!j.contains("IPAM")) return "";
  return j["IPAM"]["Config"][0].value("Gateway", "");
}

// The lease files of network `id` (names: addresses).
inline std::vector<std::string> network_leases(const std::string& id) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(kNetworksDir) + "/" + id + "/leases", ec)) {
    found.push_back(entry.path().filename().string());
  }
  return found;
}

// The bridge of network `id`: `pb` and 12 hex digits of the id.
inline std::string bridge_of(const std::string& id) { return "pb" + id.substr(0, 12); }

// The ports enslaved to `bridge` (/sys/class/net/BRIDGE/brif).
inline std::vector<std::string> bridge_ports(const std::string& bridge) {
  std::vector<std::string> ports;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net/" + bridge + "/brif", ec)) {
    ports.push_back(entry.path().filename().string());
  }
  return ports;
}

// Whether the DNS responder of network `id` runs: the pid in its dns.pid is alive.
inline bool dns_responder_runs(const std::string& id) {
  const std::string pid = read_file(std::string(kNetworksDir) + "/" + id + "/dns.pid");
  if (pid.empty()) return false;
  const int n = std::atoi(pid.c_str());
  return n > 1 && ::kill(n, 0) == 0;
}

// The IPv4 address of `interface` inside a container, from `ip -o -4 addr` output.
inline std::string address_in(const std::string& ip_o_addr, const std::string& interface = "eth0") {
  for (const std::string& line : lines_of(ip_o_addr)) {
    const size_t at = line.find(" " + interface + " ");
    const size_t inet = line.find("inet ");
    if (at == std::string::npos || inet == std::string::npos) continue;
    const std::string rest = line.substr(inet + 5);
    return rest.substr(0, rest.find('/'));
  }
  return "";
}

}  // namespace lab::network
