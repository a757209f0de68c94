/// @file
/// @brief lvX: name resolution on a user network: the DNS message format
/// (RFC 1035, section 4) and a small responder on the network's gateway.
///
/// A DNS message over UDP, as far as the responder needs it:
///
///     header   12 bytes: id, flags (QR, opcode, RD, RA, rcode),
///              then the counts of questions, answers, authority, additional
///     question name as labels (3 "web" 0), type (1 = A), class (1 = IN)
///     answer   name (a pointer 0xc00c to the question's), type, class,
///              TTL, length 4, the address
///
/// The responder answers A questions for the names and aliases of the
/// network's containers, read from the network's host directory at each
/// question (so containers started later are found), and forwards every
/// other question to the host's resolvers, as docker's embedded DNS does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/ipv4.hpp"
#include "pocker/user_network.hpp"

namespace pocker {

/// DNS record types the responder knows by name.
enum DnsType : uint16_t {
  kDnsA = 1,      ///< an IPv4 address
  kDnsAAAA = 28,  ///< an IPv6 address (a known name has none: an empty answer)
};

/// DNS response codes (the header's RCODE).
enum DnsRcode : uint8_t {
  kDnsNoError = 0,   ///< an answer (possibly empty)
  kDnsFormErr = 1,   ///< the query could not be read
  kDnsServFail = 2,  ///< the server failed (no upstream answered)
  kDnsNxDomain = 3,  ///< no such name
};

/// The one question of a query.
struct DnsQuestion {
  uint16_t id = 0;          ///< the query's id, echoed in the answer
  std::string name;         ///< lower case, without the final dot: `web.example`
  uint16_t type = 0;        ///< kDnsA, kDnsAAAA, ...
  uint16_t qclass = 0;      ///< 1: IN
  size_t end = 0;           ///< where the question ends in the message
};

/// Reads the header and first question of `message`; an error for a
/// response, a truncated message or a name that is not plain labels (no
/// compression is allowed in a question).
Result<DnsQuestion> parse_dns_query(const std::vector<uint8_t>& message);

/// The answer to `query` (whose question is `question`): the header with
/// QR and RA set and `rcode`, the question copied, and one A record per
/// address (TTL 0: a container's address changes when it restarts).
std::vector<uint8_t> dns_response(const std::vector<uint8_t>& query, const DnsQuestion& question,
                                  const std::vector<Ipv4>& addresses, uint8_t rcode = kDnsNoError);

/// The resolvers of a resolv.conf text (its `nameserver` lines, IPv4 only).
std::vector<Ipv4> resolv_conf_servers(const std::string& text);

/// The responder of `network`, in the foreground (the process that
/// `pocker network dns-serve` runs): takes dns.lock (another holder:
/// returns at once, that one serves), binds UDP gateway:53, writes its
/// pid, writes one byte to `ready_fd` (if >= 0), and answers until the
/// network has no leases left, its directory goes, or SIGTERM.
/// `upstream` is where unknown names go (the host's resolv.conf).
Result<void> serve_dns(const UserNetwork& network, const std::vector<Ipv4>& upstream, int ready_fd);

/// Makes sure the responder of `network` runs: if dns.lock is free,
/// starts `argv` (a pocker that runs serve_dns()) as a daemon of its own
/// session, and waits (at most 2 s) until it serves or finds another
/// serving. Its standard streams are /dev/null: it must not keep the
/// caller's pipes open.
Result<void> ensure_dns_responder(const UserNetwork& network, const std::vector<std::string>& argv);

}  // namespace pocker
