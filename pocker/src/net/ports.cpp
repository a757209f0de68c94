// `-p` values in docker's grammar. Strict on purpose: a port that is
// silently read as another one publishes the wrong service.
#include "pocker/ports.hpp"

#include <charconv>

namespace pocker {
namespace {

// Decimal digits only, no sign, no spaces, at most 65535.
Result<uint16_t> parse_port(std::string_view text, std::string_view whole, bool zero_ok) {
  unsigned value = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || err != std::errc() || end != text.data() + text.size() || value > 65535) {
    return user_error("invalid port \"{}\" in \"{}\": want a number from 1 to 65535", text, whole);
  }
  if (value == 0 && !zero_ok) {
    return user_error("invalid port \"{}\" in \"{}\": the container port cannot be 0", text, whole);
  }
  return static_cast<uint16_t>(value);
}

Result<PortProtocol> parse_protocol(std::string_view text, std::string_view whole) {
  if (text == "tcp") return PortProtocol::kTcp;
  if (text == "udp") return PortProtocol::kUdp;
  return user_error("invalid protocol \"{}\" in \"{}\": pocker publishes tcp or udp", text, whole);
}

// Splits off `/PROTO`; tcp when there is none.
Result<PortProtocol> split_protocol(std::string_view& text, std::string_view whole) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return PortProtocol::kTcp;
  PortProtocol protocol = TRY(parse_protocol(text.substr(slash + 1), whole));
  text = text.substr(0, slash);
  return protocol;
}

}  // namespace

const char* protocol_name(PortProtocol protocol) {
  return protocol == PortProtocol::kUdp ? "udp" : "tcp";
}

Result<PortMapping> parse_publish(std::string_view whole) {
  std::string_view text = whole;
  PortMapping m;
  m.protocol = TRY(split_protocol(text, whole));
  // IP:HOST:CTR, HOST:CTR or CTR: the parts are counted from the right.
  size_t last = text.rfind(':');
  if (last == std::string_view::npos) {
    m.container_port = TRY(parse_port(text, whole, false));
    return m;
  }
  m.container_port = TRY(parse_port(text.substr(last + 1), whole, false));
  std::string_view front = text.substr(0, last);
  size_t first = front.rfind(':');
  std::string_view host_port = first == std::string_view::npos ? front : front.substr(first + 1);
  if (first != std::string_view::npos) {
    m.host_ip = TRY_CTX(parse_ipv4(front.substr(0, first)), fmt::format("-p {}", whole));
    if (host_port.empty()) return m;  // IP::CTR: any host port
  }
  if (host_port.find('-') != std::string_view::npos) {
    return user_error("invalid port \"{}\" in \"{}\": port ranges are not supported", host_port, whole);
  }
  m.host_port = TRY(parse_port(host_port, whole, true));
  return m;
}

Result<PortMapping> parse_exposed_port(std::string_view whole) {
  std::string_view text = whole;
  PortMapping m;
  m.protocol = TRY(split_protocol(text, whole));
  m.container_port = TRY(parse_port(text, whole, false));
  return m;
}

std::string container_port_key(const PortMapping& mapping) {
  return std::to_string(mapping.container_port) + "/" + protocol_name(mapping.protocol);
}

std::string host_endpoint(const PortMapping& mapping) {
  return to_string(mapping.host_ip) + ":" + std::to_string(mapping.host_port);
}

}  // namespace pocker
