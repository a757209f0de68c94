// IPv4 text: strict parsing and the canonical form, nothing more. The
// kernel only ever sees the four bytes (netlink.cpp turns them into
// network order at the last moment).
#include "pocker/ipv4.hpp"

#include <charconv>

namespace pocker {
namespace {

// A decimal number 0..max with no sign, no leading zero and at least one
// digit, spanning all of `text`.
bool parse_decimal(std::string_view text, unsigned max, unsigned& out) {
  if (text.empty() || text.size() > 3) return false;
  if (text.size() > 1 && text[0] == '0') return false;  // `010` would be octal to inet_aton
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

}  // namespace

uint32_t Ipv4Net::mask() const {
  // A shift by 32 is undefined in C++, so /0 is its own case.
  return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
}

bool Ipv4Net::overlaps(const Ipv4Net& other) const {
  // Two aligned blocks overlap only if one contains the other's start.
  return contains(other.network()) || other.contains(network());
}

Result<Ipv4> parse_ipv4(std::string_view text) {
  uint32_t value = 0;
  std::string_view rest = text;
  for (int part = 0; part < 4; ++part) {
    size_t dot = rest.find('.');
    bool last = part == 3;
    if (last != (dot == std::string_view::npos)) {
      return user_error("invalid IPv4 address \"{}\": want four numbers a.b.c.d", text);
    }
    unsigned byte = 0;
    if (!parse_decimal(rest.substr(0, dot), 255, byte)) {
      return user_error("invalid IPv4 address \"{}\": each part is a number 0..255", text);
    }
    value = value << 8 | byte;
    if (!last) rest.remove_prefix(dot + 1);
  }
  return Ipv4{value};
}

Result<Ipv4Net> parse_cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return user_error("invalid CIDR \"{}\": want address/prefix, e.g. 10.0.0.0/24", text);
  }
  Ipv4 address = TRY_CTX(parse_ipv4(text.substr(0, slash)), fmt::format("invalid CIDR \"{}\"", text));
  unsigned prefix = 0;
  if (!parse_decimal(text.substr(slash + 1), 32, prefix)) {
    return user_error("invalid CIDR \"{}\": the prefix is a number 0..32", text);
  }
  return Ipv4Net{address, static_cast<int>(prefix)};
}

Result<Ipv4Net> parse_subnet(std::string_view text) {
  Ipv4Net net = TRY(parse_cidr(text));
  if (net.address != net.network()) {
    return user_error("invalid subnet \"{}\": host bits set (the subnet is {})", text,
                      to_string(Ipv4Net{net.network(), net.prefix}));
  }
  return net;
}

std::string to_string(Ipv4 ip) {
  uint32_t v = ip.value;
  return fmt::format("{}.{}.{}.{}", v >> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff);
}

std::string to_string(const Ipv4Net& net) {
  return fmt::format("{}/{}", to_string(net.address), net.prefix);
}

}  // namespace pocker
