// What the network labs share: the host's view of interfaces (`ip -j`, the oracle), the leases of
// the default bridge network, a container's address from `inspect`, and polling.
//
// The default network is host-wide (one bridge, pocker0, and one subnet, 172.29.0.0/16, for every
// --root), so its leases are too: one file per leased address in kLeaseDir, holding the id of the
// container that has it. The labs look only at leases and veths of their own containers: other
// tests run in parallel.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/fs.hpp"

namespace lab::network {

using namespace std::chrono_literals;

inline constexpr const char* kLeaseDir = "/run/pocker/networks/bridge/leases";

inline std::string ip_binary() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

// The fixture: root only (a bridge needs root; rootless pocker falls back to none), and iproute2's
// `ip` on the host as the oracle. The Pocker member removes every container of the test's root.
class NetworkTest : public LabTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the bridge network needs root";
    if (ip_binary().empty()) GTEST_SKIP() << "needs iproute2's ip on the host (the oracle of these labs)";
  }
};

// The host's interfaces, by name, as `ip -j link` shows them.
inline std::vector<std::string> host_links() {
  const Outcome shown = run({ip_binary(), "-j", "link", "show"});
  std::vector<std::string> names;
  const nlohmann::json links = nlohmann::json::parse(shown.out, nullptr, false);
  if (!links.is_array()) return names;
  for (const nlohmann::json& link : links) names.push_back(link.value("ifname", ""));
  return names;
}

inline bool host_has_link(const std::string& name) {
  const std::vector<std::string> names = host_links();
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The host end of a container's veth: `pk` and the first 12 characters of its id.
inline std::string veth_of(const std::string& id) { return "pk" + id.substr(0, 12); }

// The addresses leased to `id` (the names of its lease files).
inline std::vector<std::string> leases_of(const std::string& id) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kLeaseDir, ec)) {
    std::string owner = read_file(entry.path().string());
    owner = owner.substr(0, owner.find('\n'));
    if (!id.empty() && owner == id) found.push_back(entry.path().filename().string());
  }
  return found;
}

// Every lease file (name: the address), for a before/after comparison.
inline std::vector<std::string> all_leases() {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kLeaseDir, ec)) {
    found.push_back(entry.path().filename().string() + " " + read_file(entry.path().string()));
  }
  std::sort(found.begin(), found.end());
  return found;
}

// `inspect`'s answer as JSON (an object, or the first element of an array).
inline nlohmann::json inspect(const Pocker& pocker, const std::string& ref) {
  const Outcome shown = pocker.run({"inspect", ref});
  nlohmann::json j = nlohmann::json::parse(shown.out, nullptr, false);
  if (j.is_array() && !j.empty()) j = j[0];
  return j.is_object() ? j : nlohmann::json::object();
}

inline std::string id_of(const Pocker& pocker, const std::string& ref) {
  return inspect(pocker, ref).value("Id", "");
}

inline std::string ip_of(const Pocker& pocker, const std::string& ref) {
  const nlohmann::json j = inspect(pocker, ref);
  if (!j.contains("NetworkSettings") || !j["NetworkSettings"].is_object()) return "";
  return j["NetworkSettings"].value("IPAddress", "");
}

// Whether `ip` lies in 172.29.0.0/16 and is a host address there (not .0.0, the gateway or .255.255).
inline bool in_default_subnet(const std::string& ip) {
  return ip.rfind("172.29.", 0) == 0 && ip != "172.29.0.0" && ip != "172.29.0.1" && ip != "172.29.255.255";
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Polls `ready` every 50 ms until it is true (true) or `within` has passed (false).
template <class Ready>
bool eventually(Ready ready, std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

}  // namespace lab::network
