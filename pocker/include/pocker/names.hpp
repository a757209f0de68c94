/// @file
/// @brief lvX: the files a container's resolver reads: /etc/hosts,
/// /etc/hostname and /etc/resolv.conf, made per container by pocker and
/// bind-mounted over the image's (as docker does), so an image's own
/// files never decide where its names go.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/ipv4.hpp"

namespace pocker {

/// One `--add-host NAME:IP`.
struct HostEntry {
  std::string name;  ///< a host name: letters, digits, `-` and `.`
  Ipv4 address;      ///< where it points
};

/// Parses `NAME:IP`; errors name the text.
Result<HostEntry> parse_add_host(const std::string& text);
/// Checks a host name or alias (RFC 1123 labels, at most 253 characters).
Result<void> check_host_name(const std::string& name, const char* what);

/// What /etc/hosts says about the container.
struct HostsFile {
  std::string hostname;              ///< its hostname (-h, or 12 hex digits of the id)
  std::vector<std::string> names;    ///< its container name and --network-alias values
  std::optional<Ipv4> address;       ///< its address, if it has one (bridge or user network)
  std::vector<HostEntry> extra;      ///< --add-host entries, in order
};

/// The text of /etc/hosts: localhost lines, the container's own line and
/// the --add-host lines.
std::string hosts_file_text(const HostsFile& hosts);

/// The text of /etc/resolv.conf: `dns` if given (--dns), else `nameserver`
/// (a user network's gateway, where its DNS responder answers), else the
/// IPv4 resolvers of `host_resolv` that a container can reach (not
/// 127.0.0.0/8: that is the container's own loopback), as docker does.
/// The host's search and options lines are kept.
std::string resolv_conf_text(const std::vector<Ipv4>& dns, std::optional<Ipv4> nameserver,
                             const std::string& host_resolv);

}  // namespace pocker
