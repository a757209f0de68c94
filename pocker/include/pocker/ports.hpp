/// @file
/// @brief lvX: published ports (`-p`, `-P`): what the user asked for, parsed strictly.
///
/// `-p [IP:]HOST:CTR[/tcp|udp]` publishes container port CTR on the host's
/// port HOST (at address IP, by default every address); `-p [IP:]CTR`
/// lets the kernel choose the host port. The forwarding itself lives in
/// pocker/nat.hpp (nftables DNAT) and pocker/forwarder.hpp (a userspace
/// copy loop for what DNAT cannot serve).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/ipv4.hpp"

namespace pocker {

/// The transport of a published port.
enum class PortProtocol { kTcp, kUdp };

/// One published port.
struct PortMapping {
  Ipv4 host_ip;                ///< 0.0.0.0: every address of the host
  uint16_t host_port = 0;      ///< 0: the kernel chooses when the container starts
  uint16_t container_port = 0; ///< 1..65535
  PortProtocol protocol = PortProtocol::kTcp;  ///< tcp or udp
  bool operator==(const PortMapping&) const = default;  ///< every field equal
};

/// `tcp` or `udp`.
const char* protocol_name(PortProtocol protocol);

/// Parses one `-p` value: `[IP:]HOST:CTR[/PROTO]` or `[IP:]CTR[/PROTO]`
/// (`IP::CTR` too, docker's way to choose the address but not the port).
/// Ports are decimal 1..65535 (a host port may be 0: chosen), PROTO tcp or
/// udp; errors name the value.
Result<PortMapping> parse_publish(std::string_view text);

/// Parses an image's exposed port, `PORT[/PROTO]` (a key of the config's
/// `ExposedPorts`), into a mapping whose host port the kernel chooses
/// (`-P`).
Result<PortMapping> parse_exposed_port(std::string_view text);

/// docker's name of the container side: `80/tcp`.
std::string container_port_key(const PortMapping& mapping);

/// The host side: `0.0.0.0:8080`.
std::string host_endpoint(const PortMapping& mapping);

}  // namespace pocker
