// The DNS message format, the little the responder needs (RFC 1035 4.1).
// All numbers on the wire are big-endian.
#include <sstream>

#include "pocker/dns.hpp"

namespace pocker {
namespace {

[[maybe_unused]] uint16_t read16(const std::vector<uint8_t>& m, size_t at) {
  return static_cast<uint16_t>(m[at] << 8 | m[at + 1]);
}

[[maybe_unused]] void put16(std::vector<uint8_t>& m, uint16_t v) {
  m.push_back(static_cast<uint8_t>(v >> 8));
  m.push_back(static_cast<uint8_t>(v));
}

[[maybe_unused]] constexpr size_t kHeader = 12;

}  // namespace

Result<DnsQuestion> parse_dns_query(const std::vector<uint8_t>& m) {
  // handout(network.dns) begin: read the header (id, QR must be 0, one question) and the question: the name as length-prefixed labels up to a 0 byte, then type and class
  if (m.size() < kHeader) return user_error("dns: message of {} bytes is shorter than a header", m.size());
  DnsQuestion q;
  q.id = read16(m, 0);
  if (m[2] & 0x80) return user_error("dns: a response, not a query");
  if (read16(m, 4) < 1) return user_error("dns: no question");
  size_t at = kHeader;
  while (true) {
    if (at >= m.size()) return user_error("dns: the name runs past the message");
    uint8_t length = m[at++];
    if (length == 0) break;
    // 0xc0: a pointer (compression), 0x40/0x80: reserved. A question's
    // name is the first in the message: there is nothing to point to.
    if (length & 0xc0) return user_error("dns: a compressed or extended label in a question");
    if (at + length > m.size()) return user_error("dns: a label runs past the message");
    if (!q.name.empty()) q.name += '.';
    for (size_t i = 0; i < length; ++i) q.name += static_cast<char>(std::tolower(m[at + i]));
    at += length;
    if (q.name.size() > 253) return user_error("dns: a name longer than 253 characters");
  }
  if (at + 4 > m.size()) return user_error("dns: the question's type and class are missing");
  q.type = read16(m, at);
  q.qclass = read16(m, at + 2);
  q.end = at + 4;
  return q;
  // handout(network.dns) stub:
  // (void)m;
  // return user_error("dns: parse_dns_query is not written yet (network.dns)");
  // handout(network.dns) end
}

std::vector<uint8_t> dns_response(const std::vector<uint8_t>& query, const DnsQuestion& question,
                                  const std::vector<Ipv4>& addresses, uint8_t rcode) {
  std::vector<uint8_t> r;
  // handout(network.dns) begin: the header (the query's id, QR and RA set, RD copied, rcode, one question, one answer per address), the question copied, then each A record: a pointer to the question's name, type A, class IN, TTL 0, length 4, the address
  put16(r, question.id);
  uint8_t rd = query.size() > 2 ? (query[2] & 0x01) : 0;
  r.push_back(static_cast<uint8_t>(0x80 | rd));  // QR: a response; opcode 0; RD as asked
  r.push_back(static_cast<uint8_t>(0x80 | (rcode & 0x0f)));  // RA: we recurse (by forwarding)
  put16(r, 1);
  put16(r, static_cast<uint16_t>(addresses.size()));
  put16(r, 0);
  put16(r, 0);
  r.insert(r.end(), query.begin() + kHeader, query.begin() + static_cast<long>(question.end));
  for (Ipv4 a : addresses) {
    put16(r, 0xc000 | kHeader);  // the name: a pointer to the question's, at offset 12
    put16(r, kDnsA);
    put16(r, 1);  // IN
    put16(r, 0);  // TTL, 32 bits: 0, never cached
    put16(r, 0);
    put16(r, 4);
    put16(r, static_cast<uint16_t>(a.value >> 16));
    put16(r, static_cast<uint16_t>(a.value));
  }
  // handout(network.dns) stub:
  // (void)query;
  // (void)question;
  // (void)addresses;
  // (void)rcode;
  // handout(network.dns) end
  return r;
}

std::vector<Ipv4> resolv_conf_servers(const std::string& text) {
  std::vector<Ipv4> servers;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key >> value) || key != "nameserver") continue;
    if (auto ip = parse_ipv4(value)) servers.push_back(ip.value());
  }
  return servers;
}

}  // namespace pocker
