/// @file
/// @brief lvX: IPv4 addresses and subnets, parsed strictly.
///
/// Values come from flags (`--subnet`, `--ip`, `--gateway`) and from files
/// pocker wrote itself. Only the canonical dotted-quad form is accepted:
/// inet_aton(3) would also take `10.1` or `010.0.0.1` (octal), and a
/// network named one way but used another is a bug nobody sees.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "pocker/error.hpp"

namespace pocker {

/// One IPv4 address, in host byte order so that `+ 1` is the next address.
struct Ipv4 {
  uint32_t value = 0;  ///< 172.29.0.1 is 0xac1d0001
  auto operator<=>(const Ipv4&) const = default;  ///< by value: lower addresses first
};

/// An address with a prefix length: an interface address (`10.0.0.2/24`)
/// or, with the host bits zero, a subnet (`10.0.0.0/24`).
struct Ipv4Net {
  Ipv4 address;     ///< the address (host bits may be set)
  int prefix = 32;  ///< 0..32
  bool operator==(const Ipv4Net&) const = default;  ///< same address and prefix

  /// The mask of `prefix` bits, host order (`/24` is 0xffffff00).
  uint32_t mask() const;
  /// The first address (host bits zero).
  Ipv4 network() const { return Ipv4{address.value & mask()}; }
  /// The last address (host bits one).
  Ipv4 broadcast() const { return Ipv4{address.value | ~mask()}; }
  /// Whether `ip` lies inside this subnet.
  bool contains(Ipv4 ip) const { return (ip.value & mask()) == network().value; }
  /// Whether the two subnets share any address.
  bool overlaps(const Ipv4Net& other) const;
};

/// Parses `a.b.c.d`: four decimal numbers 0..255 without leading zeros,
/// signs or spaces. Errors name the text.
Result<Ipv4> parse_ipv4(std::string_view text);
/// Parses `a.b.c.d/N` (N 0..32, no leading zeros); host bits may be set.
Result<Ipv4Net> parse_cidr(std::string_view text);
/// Parses a subnet: like parse_cidr, but the host bits must be zero
/// (`10.0.0.1/24` is refused, naming `10.0.0.0/24`).
Result<Ipv4Net> parse_subnet(std::string_view text);

/// `a.b.c.d`.
std::string to_string(Ipv4 ip);
/// `a.b.c.d/N`.
std::string to_string(const Ipv4Net& net);

}  // namespace pocker
