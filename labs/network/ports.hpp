// What the port and NAT labs share: a web server in a container that says who called it, a tiny
// HTTP client, the rules of pocker's nftables table (the `nft` tool as the oracle) and host ports.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "network/network.hpp"

namespace lab::network {

inline std::string nft_binary() {
  for (const char* path : {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

// The fixture of the NAT labs: root, `ip`, and `nft` to read pocker's table.
class NatTest : public NetworkTest {
 protected:
  void SetUp() override {
    NetworkTest::SetUp();
    if (IsSkipped()) return;
    if (nft_binary().empty()) GTEST_SKIP() << "needs the nft tool (Debian nftables) to read pocker's rules";
  }
};

// busybox httpd on port 80 of the container: `/` says hello, `/cgi-bin/ip` the address the
// connection came from (REMOTE_ADDR): the client's own with DNAT, the container's own address
// through the forwarder, the gateway's through masquerade.
inline std::vector<std::string> web_server(std::vector<std::string> run_flags) {
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), run_flags.begin(), run_flags.end());
  args.insert(args.end(),
              {"busybox", "sh", "-c",
               "mkdir -p /www/cgi-bin && echo hello > /www/index.html && "
               "printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip && "
               "chmod +x /www/cgi-bin/ip && exec httpd -f -p 80 -h /www"});
  return args;
}

// httpd listens on IPv6 too, and shows an IPv4 caller as [::ffff:a.b.c.d]: a.b.c.d, one line.
inline std::string plain_address(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.rfind("[::ffff:", 0) == 0 && text.back() == ']') text = text.substr(8, text.size() - 9);
  return text;
}

// GET `path` from ip:port over HTTP/1.0: the body, or "" on any failure (within ~2 s).
inline std::string http_get(const std::string& ip, int port, const std::string& path = "/") {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string request = "GET " + path + " HTTP/1.0\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  // A CGI script's own headers end with a bare "\n\n".
  size_t body = reply.find("\r\n\r\n");
  size_t skip = 4;
  if (body == std::string::npos) {
    body = reply.find("\n\n");
    skip = 2;
  }
  if (body == std::string::npos) return "";
  return plain_address(reply.substr(body + skip));
}

// Polls http_get until it answers something (the server may still be starting).
inline std::string http_get_eventually(const std::string& ip, int port, const std::string& path = "/") {
  std::string body;
  eventually([&] { return !(body = http_get(ip, port, path)).empty(); }, 5s);
  return body;
}

// The lines of pocker's table that carry `id`'s comment; none when the table is gone.
inline std::vector<std::string> nat_rules_of(const std::string& id) {
  const Outcome listed = run({nft_binary(), "list", "table", "ip", "pocker"});
  std::vector<std::string> found;
  for (const std::string& line : lines_of(listed.out)) {
    if (!id.empty() && line.find("pocker:" + id) != std::string::npos) found.push_back(line);
  }
  return found;
}

// Whether a TCP socket can bind ip:port now (the published port was freed).
inline bool tcp_port_free(const std::string& ip, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return free;
}

// A TCP port held by the test itself (bound and listening) until destroyed.
class HeldPort {
 public:
  HeldPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd_, 1) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port_ = ntohs(a.sin_port);
    }
  }
  ~HeldPort() { ::close(fd_); }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// `pocker port NAME 80/tcp` ("0.0.0.0:49153"): the host port, or 0.
inline int host_port_of(const Pocker& pocker, const std::string& name, const std::string& port = "80/tcp") {
  const Outcome shown = pocker.run({"port", name, port});
  const size_t colon = shown.out.rfind(':');
  if (shown.status != 0 || colon == std::string::npos) return 0;
  return std::atoi(shown.out.c_str() + colon + 1);
}

}  // namespace lab::network
