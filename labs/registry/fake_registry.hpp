// A tiny HTTP server on 127.0.0.1 for the labs that need a registry to misbehave on purpose: a wrong
// digest, a connection dropped mid-blob, 429, a token server. One thread, one connection at a time,
// `Connection: close` on every answer. Every request is recorded (method, path, headers).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lab::registry {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query
  std::string headers;  // the raw header lines, lower-cased names kept as sent
  std::string header(const std::string& name) const {
    // Case-insensitive search for "\nname:" in the raw block.
    std::string lower_headers = headers, lower_name = name;
    for (auto& c : lower_headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& c : lower_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t at = lower_headers.find("\n" + lower_name + ":");
    if (at == std::string::npos) return "";
    size_t start = at + lower_name.size() + 2, end = headers.find('\r', start);
    std::string value = headers.substr(start, end - start);
    value.erase(0, value.find_first_not_of(' '));
    return value;
  }
};

struct HttpAnswer {
  int status = 200;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  long long content_length = -1;  // -1: body.size(); larger: a promise the body breaks (a drop)
};

class FakeRegistry {
 public:
  using Handler = std::function<HttpAnswer(const HttpRequest&)>;

  explicit FakeRegistry(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeRegistry() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  FakeRegistry(const FakeRegistry&) = delete;
  FakeRegistry& operator=(const FakeRegistry&) = delete;

  // "127.0.0.1:PORT": a loopback registry, which pocker reaches over plain http.
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<HttpRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }
  void handle(int c) {
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return;
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
    }
    HttpRequest r;
    size_t sp1 = in.find(' '), sp2 = in.find(' ', sp1 + 1), eol = in.find("\r\n");
    r.method = in.substr(0, sp1);
    r.target = in.substr(sp1 + 1, sp2 - sp1 - 1);
    r.headers = in.substr(eol, in.find("\r\n\r\n") - eol + 2);
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(r);
    }
    HttpAnswer a = handler_(r);
    long long length = a.content_length >= 0 ? a.content_length : static_cast<long long>(a.body.size());
    std::string out = "HTTP/1.1 " + std::to_string(a.status) + " X\r\nConnection: close\r\n";
    for (const auto& h : a.headers) out += h + "\r\n";
    out += "Content-Length: " + std::to_string(length) + "\r\n\r\n";
    if (r.method != "HEAD") out += a.body;
    for (size_t sent = 0; sent < out.size();) {
      ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<HttpRequest> requests_;
  std::thread thread_;
};

}  // namespace lab::registry
