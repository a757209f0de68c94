// The host side of published ports: reserve by bind(2), relay by splice(2).
#include "pocker/forwarder.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "pocker/trace.hpp"

namespace pocker {

struct PortForwarder::Connection {
  Fd client;    // accepted on the host
  Fd upstream;  // connected inside the container's namespace
  std::thread to_container, to_client;
  std::atomic<int> finished{0};  // directions done; 2: the threads can be joined
};

namespace {

sockaddr_in socket_address(Ipv4 ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(ip.value);
  a.sin_port = htons(port);
  return a;
}

// One direction, until EOF or an error: from -> pipe -> to. Then the
// write side of `to` is shut, so the peer sees EOF while the other
// direction may still carry data (a half-closed TCP connection).
void copy_one_way(int from, int to) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) {
    ::shutdown(from, SHUT_RDWR);
    ::shutdown(to, SHUT_RDWR);
    return;
  }
  constexpr size_t kChunk = 1 << 20;
  bool failed = false;
  for (;;) {
    ssize_t in = ::splice(from, nullptr, pipe_fds[1], nullptr, kChunk, SPLICE_F_MOVE);
    if (in < 0 && errno == EINTR) continue;
    if (in <= 0) {
      failed = in < 0;
      break;
    }
    while (in > 0) {
      ssize_t out = ::splice(pipe_fds[0], nullptr, to, nullptr, static_cast<size_t>(in), SPLICE_F_MOVE);
      if (out < 0 && errno == EINTR) continue;
      if (out <= 0) {
        failed = true;
        break;
      }
      in -= out;
    }
    if (failed) break;
  }
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ::shutdown(to, SHUT_WR);
  // A reset on one side ends both: nobody will read what is left.
  if (failed) ::shutdown(from, SHUT_RDWR);
}

}  // namespace

Result<std::vector<ReservedPort>> reserve_ports(const std::vector<PortMapping>& mappings) {
  std::vector<ReservedPort> reserved;
  for (const PortMapping& m : mappings) {
    bool tcp = m.protocol == PortProtocol::kTcp;
    Fd fd(::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return sys_error("socket for published port {}", container_port_key(m));
    if (tcp) {
      // As every server does: a connection of the last run still in
      // TIME_WAIT must not hold the port. A live listener still does.
      int one = 1;
      ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    sockaddr_in a = socket_address(m.host_ip, m.host_port);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
      int err = errno;
      if (err == EADDRINUSE) {
        return errno_error(err, "publish {}: host port {}/{} is already in use", container_port_key(m),
                           host_endpoint(m), protocol_name(m.protocol));
      }
      return errno_error(err, "publish {}: bind {}/{}", container_port_key(m), host_endpoint(m),
                         protocol_name(m.protocol));
    }
    PortMapping bound = m;
    socklen_t len = sizeof a;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) < 0) {
      return sys_error("getsockname for published port {}", container_port_key(m));
    }
    bound.host_port = ntohs(a.sin_port);
    if (tcp && ::listen(fd.get(), SOMAXCONN) < 0) {
      return sys_error("publish {}: listen on {}", container_port_key(m), host_endpoint(bound));
    }
    trace("bind {}/{} (reserved for {}) = ok", host_endpoint(bound), protocol_name(m.protocol),
          container_port_key(m));
    reserved.push_back(ReservedPort{bound, std::move(fd)});
  }
  return reserved;
}

PortForwarder::PortForwarder() = default;

PortForwarder::~PortForwarder() { stop(); }

Result<void> PortForwarder::start(const std::vector<ReservedPort>& ports, int netns_fd, Ipv4 target) {
  std::vector<std::pair<int, PortMapping>> listeners;
  for (const ReservedPort& p : ports) {
    if (p.mapping.protocol == PortProtocol::kTcp) listeners.emplace_back(p.socket.get(), p.mapping);
  }
  if (listeners.empty()) return ok();
  Fd netns(::fcntl(netns_fd, F_DUPFD_CLOEXEC, 0));
  if (!netns) return sys_error("dup network namespace fd {}", netns_fd);
  wake_ = Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_) return sys_error("eventfd");
  // The threads take no signal: pocker's handlers forward them to the
  // container and belong to the main thread's waits.
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &old);
  std::promise<int> entered;
  auto entered_result = entered.get_future();
  acceptor_ = std::thread([this, listeners, netns = std::move(netns), target, &entered]() mutable {
    // This thread only: the sockets it makes are born in the container's
    // namespace, while every other thread of pocker stays in the host's.
    if (::setns(netns.get(), CLONE_NEWNET) < 0) {
      entered.set_value(errno);
      return;
    }
    entered.set_value(0);
    accept_loop(std::move(listeners), std::move(netns), target);
  });
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (int err = entered_result.get(); err != 0) {
    acceptor_.join();
    return errno_error(err, "port forwarder: setns into the container's network namespace");
  }
  trace("port forwarder: {} TCP port(s), connecting from inside the container's network namespace to {}",
        listeners.size(), to_string(target));
  return ok();
}

void PortForwarder::accept_loop(std::vector<std::pair<int, PortMapping>> listeners, Fd netns, Ipv4 target) {
  (void)netns;
  Fd ep(::epoll_create1(EPOLL_CLOEXEC));
  if (!ep) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = listeners.size();  // the wake-up
  ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
  for (size_t i = 0; i < listeners.size(); ++i) {
    ev.data.u64 = i;
    ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, listeners[i].first, &ev);
  }
  while (!stopping_) {
    epoll_event ready[8];
    int n = ::epoll_wait(ep.get(), ready, 8, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    for (int i = 0; i < n && !stopping_; ++i) {
      size_t which = ready[i].data.u64;
      if (which >= listeners.size()) continue;
      relay(listeners[which].first, listeners[which].second, target);
    }
    // Join the connections that are over, so a long-lived container does
    // not collect threads.
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(connections_, [](const std::unique_ptr<Connection>& c) {
      if (c->finished < 2) return false;
      c->to_container.join();
      c->to_client.join();
      return true;
    });
  }
}

void PortForwarder::relay(int listener, const PortMapping& mapping, Ipv4 target) {
  for (;;) {
    Fd client(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) return;  // EAGAIN: every waiting connection taken
    Fd upstream(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!upstream) continue;
    sockaddr_in a = socket_address(target, mapping.container_port);
    if (::connect(upstream.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
      // Nothing listens in the container: the client sees its connection
      // closed, as it would see a refused one.
      continue;
    }
    auto c = std::make_unique<Connection>();
    c->client = std::move(client);
    c->upstream = std::move(upstream);
    Connection* raw = c.get();
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    raw->to_container = std::thread([raw] {
      copy_one_way(raw->client.get(), raw->upstream.get());
      ++raw->finished;
    });
    raw->to_client = std::thread([raw] {
      copy_one_way(raw->upstream.get(), raw->client.get());
      ++raw->finished;
    });
    connections_.push_back(std::move(c));
  }
}

void PortForwarder::stop() {
  if (!acceptor_.joinable()) return;
  stopping_ = true;
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_.get(), &one, sizeof one);
  (void)ignored;
  acceptor_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& c : connections_) {
    // Wakes both splice loops: a read returns 0, a write EPIPE.
    ::shutdown(c->client.get(), SHUT_RDWR);
    ::shutdown(c->upstream.get(), SHUT_RDWR);
  }
  for (auto& c : connections_) {
    c->to_container.join();
    c->to_client.join();
  }
  connections_.clear();
}

}  // namespace pocker
