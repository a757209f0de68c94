// The registry server's HTTP side, on Boost.Beast: listening, one thread
// per connection (at most RegistryServerOptions::max_connections), a log
// line per request, and a clean stop on SIGTERM or SIGINT.
//
// Why Beast: it is the project's one HTTP server library. Its synchronous
// API reads like the protocol (read a header, decide, stream the body),
// it decodes chunked bodies and keeps repeated header lines, and after an
// upgrade it hands the raw socket back, which the Engine API server's
// attach and exec need. This is the only file that includes it: the API
// itself (server_routes.cpp) sees plain structs.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <limits>
#include <list>
#include <thread>

#include "pocker/fs.hpp"
#include "pocker/registry_server.hpp"
#include "pocker/trace.hpp"
#include "server_api.hpp"
#include "server_auth.hpp"

namespace pocker {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using registry_server::Request;
using registry_server::Response;

// A connection that neither sends nor receives for this long is cut: a
// client that stalls must not hold one of the threads for ever.
constexpr auto kIdleLimit = std::chrono::seconds(30);
constexpr size_t kHeaderLimit = 64 * 1024;

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

// One connection, as the accepting thread sees it: it may cut the socket
// (idle, or stopping) but never closes it; the connection's own thread
// closes it, under the mutex, so the number is never reused under us.
struct Connection {
  std::thread thread;
  std::atomic<bool> done{false};
  std::atomic<long long> last_active{now_ms()};
  std::mutex mutex;
  int fd = -1;

  void cut() {
    std::lock_guard lock(mutex);
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    out.emplace(std::move(key), std::move(value));  // the first of a key wins
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

void log_line(const std::string& line) {
  std::string text = line + "\n";
  (void)write_all(STDERR_FILENO, text.data(), text.size());
}

// After an answer sent before the request's body was read (a refusal): stop
// sending, then read and drop what the client still sends for a moment, so
// that closing does not reset the connection under the answer in flight.
void lingering_close(int fd) {
  ::shutdown(fd, SHUT_WR);
  char buf[64 * 1024];
  auto deadline = Clock::now() + std::chrono::seconds(2);
  size_t dropped = 0;
  while (Clock::now() < deadline && dropped < (64u << 20)) {
    struct pollfd p = {fd, POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (::poll(&p, 1, static_cast<int>(std::max<long long>(left, 1))) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    dropped += static_cast<size_t>(n);
  }
}

class Server {
 public:
  Server(registry_server::Store& store, registry_server::Htpasswd* users) : store_(store), users_(users) {}

  void serve(Connection& conn, tcp::socket sock) {
    std::string remote = "?";
    beast::error_code ec;
    if (auto ep = sock.remote_endpoint(ec); !ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
    beast::flat_buffer buffer;
    while (!stopping_) {
      if (!serve_one(conn, sock, buffer, remote)) break;
    }
    std::lock_guard lock(conn.mutex);
    sock.close(ec);
    conn.fd = -1;
  }

  void stop() { stopping_ = true; }

 private:
  // Reads one request, answers it; false when the connection is over.
  bool serve_one(Connection& conn, tcp::socket& sock, beast::flat_buffer& buffer, const std::string& remote) {
    http::request_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // blobs are streamed to disk, of any size
    parser.header_limit(kHeaderLimit);
    beast::error_code ec;
    http::read_header(sock, buffer, parser, ec);
    // buffer_body has no buffer yet: an empty body (Content-Length: 0)
    // ends the message right after the header with need_buffer.
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      if (ec != http::error::end_of_stream && ec != asio::error::eof) trace("{} bad request: {}", remote, ec.message());
      return false;
    }
    conn.last_active = now_ms();
    auto started = Clock::now();
    auto& msg = parser.get();

    Request req;
    req.method = std::string(msg.method_string());
    std::string target(msg.target());
    size_t qmark = target.find('?');
    req.path = target.substr(0, qmark);
    if (qmark != std::string::npos) req.query = parse_query(std::string_view(target).substr(qmark + 1));
    for (const auto& field : msg) req.headers.emplace(lower(std::string(field.name_string())), std::string(field.value()));
    if (!parser.chunked()) req.content_length = parser.content_length().value_or(0);
    const bool expect_continue = lower(req.header("expect")) == "100-continue";
    bool sent_continue = false;
    req.body = [&](char* out, size_t size) -> Result<size_t> {
      if (parser.is_done()) return size_t{0};
      if (expect_continue && !sent_continue) {
        // The client waits for this before it sends a large body.
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        asio::write(sock, asio::buffer(kContinue.data(), kContinue.size()), ec);
        if (ec) return user_error("send 100 Continue: {}", ec.message());
        sent_continue = true;
      }
      while (!parser.is_done()) {
        msg.body().data = out;
        msg.body().size = size;
        http::read(sock, buffer, parser, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) return user_error("read request body: {}", ec.message());
        conn.last_active = now_ms();
        size_t got = size - msg.body().size;
        if (got > 0) return got;
      }
      return size_t{0};
    };
    if (trace_enabled()) trace_request(remote, req, target, msg.version());

    Response res = registry_server::handle(store_, users_, req);
    // No body after a HEAD, error bodies included: the client would read
    // it as the start of the next response.
    if (req.method == "HEAD") res.head = true;

    // A body left unread cannot be skipped on a kept connection.
    const bool body_read = parser.is_done();
    const bool keep = msg.keep_alive() && body_read && !stopping_;
    bool sent = send(conn, sock, res, msg.version(), keep);
    auto ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    log_line(fmt::format("{} {} \"{} {}\" {} {} {:.1f}ms", remote, res.user.empty() ? "-" : res.user, req.method,
                         target, res.status, res.head ? 0 : res.body_length(), ms));
    if (sent && !body_read) lingering_close(sock.native_handle());
    return sent && keep;
  }

  bool send(Connection& conn, tcp::socket& sock, Response& res, unsigned version, bool keep) {
    http::response<http::empty_body> head{static_cast<http::status>(res.status), version};
    head.set(http::field::server, "pocker-registry");
    head.set("Docker-Distribution-API-Version", "registry/2.0");
    for (const auto& [name, value] : res.headers) head.insert(name, value);
    // A 204 has no body and says no length (RFC 9110 section 8.6).
    if (res.status != 204) head.content_length(static_cast<std::uint64_t>(res.body_length()));
    head.keep_alive(keep);
    if (trace_enabled()) trace_response(head);
    http::response_serializer<http::empty_body> sr{head};
    beast::error_code ec;
    http::write_header(sock, sr, ec);
    if (ec || res.head) return !ec;
    if (!res.file) {
      asio::write(sock, asio::buffer(res.body), ec);
      return !ec;
    }
    // A blob goes from its file to the socket in the kernel.
    off_t offset = res.offset;
    long long left = res.length;
    while (left > 0) {
      ssize_t n = ::sendfile(sock.native_handle(), res.file.get(), &offset,
                             static_cast<size_t>(std::min<long long>(left, 1 << 30)));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      left -= n;
      conn.last_active = now_ms();
    }
    return true;
  }

  static void trace_request(const std::string& remote, const Request& req, const std::string& target, unsigned version) {
    std::string text = fmt::format("{} > {} {} HTTP/{}.{}", remote, req.method, target, version / 10, version % 10);
    for (const auto& [name, value] : req.headers) {
      // A password must not end up in a log.
      text += fmt::format("\n+ > {}: {}", name, name == "authorization" ? value.substr(0, value.find(' ')) + " ..." : value);
    }
    trace_line(text);
  }

  static void trace_response(const http::response<http::empty_body>& head) {
    std::string text = fmt::format("< {} {}", head.result_int(), std::string(head.reason()));
    for (const auto& field : head) text += fmt::format("\n+ < {}: {}", std::string(field.name_string()), std::string(field.value()));
    trace_line(text);
  }

  registry_server::Store& store_;
  registry_server::Htpasswd* users_;
  std::atomic<bool> stopping_{false};
};

Result<tcp::endpoint> parse_addr(const std::string& addr) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return user_error("--addr {}: not HOST:PORT", addr);
  std::string host = addr.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty()) host = "0.0.0.0";
  const std::string port_text = addr.substr(colon + 1);
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    return user_error("--addr {}: bad port {}", addr, port_text);
  }
  beast::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec) return user_error("--addr {}: {} is not an IP address", addr, host);
  return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

// SIGTERM and SIGINT, read from a descriptor: blocked first, so that every
// thread started later inherits the block and only this fd sees them.
Result<Fd> signal_fd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return sys_error("block SIGTERM and SIGINT");
  Fd fd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!fd) return sys_error("signalfd");
  return fd;
}

}  // namespace

Result<void> serve_registry(const RegistryServerOptions& options) {
  tcp::endpoint endpoint = TRY(parse_addr(options.addr));
  std::optional<registry_server::Htpasswd> users;
  if (!options.htpasswd.empty()) users.emplace(TRY(registry_server::Htpasswd::load(options.htpasswd)));
  if (options.root.empty()) return user_error("registry serve: no root directory");
  Fd signals = TRY(signal_fd());

  // The port before the store: a port already taken must not leave a new,
  // empty store behind.
  asio::io_context io;
  tcp::acceptor acceptor(io);
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return user_error("listen on {}: {}", options.addr, ec.message());
  std::unique_ptr<registry_server::Store> store = TRY(registry_server::Store::open(options.root));
  tcp::endpoint bound = acceptor.local_endpoint(ec);
  std::string where = (bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) +
                      ":" + std::to_string(bound.port());
  if (!options.addr_file.empty()) TRY(write_file_atomic(options.addr_file, where + "\n"));
  std::printf("listening on %s\n", where.c_str());
  std::fflush(stdout);

  Server server(*store, users ? &*users : nullptr);
  std::list<Connection> connections;
  auto reap = [&] {
    connections.remove_if([](Connection& c) {
      if (!c.done) return false;
      c.thread.join();
      return true;
    });
  };
  while (true) {
    bool room = static_cast<int>(connections.size()) < options.max_connections;
    struct pollfd fds[2] = {{signals.get(), POLLIN, 0}, {acceptor.native_handle(), static_cast<short>(room ? POLLIN : 0), 0}};
    int ready = ::poll(fds, 2, 1000);
    if (ready < 0 && errno != EINTR) return sys_error("poll");
    if (fds[0].revents & POLLIN) break;
    if (fds[1].revents & POLLIN) {
      tcp::socket sock(io);
      acceptor.accept(sock, ec);
      if (!ec) {
        Connection& conn = connections.emplace_back();
        conn.fd = sock.native_handle();
        conn.thread = std::thread([&server, &conn, s = std::move(sock)]() mutable {
          server.serve(conn, std::move(s));
          conn.done = true;
        });
      }
    }
    reap();
    long long idle_before = now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(kIdleLimit).count();
    for (Connection& c : connections) {
      if (c.last_active < idle_before) c.cut();
    }
  }
  // Stopping: no new connections; requests in flight are cut off (their
  // uploads stay unnamed and go with the store's upload table).
  acceptor.close(ec);
  server.stop();
  for (Connection& c : connections) c.cut();
  for (Connection& c : connections) c.thread.join();
  store->drop_uploads();
  log_line("registry stopped");
  return ok();
}

}  // namespace pocker
