// /etc/hosts, /etc/resolv.conf of a container, as text (pocker/names.hpp).
#include "pocker/names.hpp"

#include <sstream>

#include "pocker/dns.hpp"

namespace pocker {

Result<void> check_host_name(const std::string& name, const char* what) {
  bool good = !name.empty() && name.size() <= 253 && name.front() != '-' && name.front() != '.' &&
              name.back() != '.';
  for (char c : name) good = good && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_');
  if (!good) return user_error("{} \"{}\": want letters, digits, - and . (a host name)", what, name);
  return ok();
}

Result<HostEntry> parse_add_host(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) return user_error("--add-host {}: want NAME:IP", text);
  HostEntry entry;
  entry.name = text.substr(0, colon);
  TRY(check_host_name(entry.name, "--add-host name"));
  auto ip = parse_ipv4(text.substr(colon + 1));
  if (!ip) return user_error("--add-host {}: {}", text, ip.error().message());
  entry.address = ip.value();
  return entry;
}

std::string hosts_file_text(const HostsFile& hosts) {
  // handout(network.names) begin: /etc/hosts: localhost (v4 and v6), then the container's address with its hostname, name and aliases, then each --add-host
  std::string text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  if (hosts.address) {
    text += to_string(*hosts.address) + "\t" + hosts.hostname;
    for (const std::string& name : hosts.names) {
      if (name != hosts.hostname) text += " " + name;
    }
    text += "\n";
  }
  for (const HostEntry& entry : hosts.extra) text += to_string(entry.address) + "\t" + entry.name + "\n";
  return text;
  // handout(network.names) stub:
  // (void)hosts;
  // return "127.0.0.1\tlocalhost\n";
  // handout(network.names) end
}

std::string resolv_conf_text(const std::vector<Ipv4>& dns, std::optional<Ipv4> nameserver,
                             const std::string& host_resolv) {
  std::string text;
  std::istringstream in(host_resolv);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("search ", 0) == 0 || line.rfind("options ", 0) == 0) text += line + "\n";
  }
  if (!dns.empty()) {
    for (Ipv4 server : dns) text += "nameserver " + to_string(server) + "\n";
  } else if (nameserver) {
    text += "nameserver " + to_string(*nameserver) + "\n";
  } else {
    const Ipv4Net loopback{Ipv4{0x7f000000}, 8};
    for (Ipv4 server : resolv_conf_servers(host_resolv)) {
      if (!loopback.contains(server)) text += "nameserver " + to_string(server) + "\n";
    }
  }
  return text;
}

}  // namespace pocker
