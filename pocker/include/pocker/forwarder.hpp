/// @file
/// @brief lvX: published ports held by pocker: the host port reserved by
/// binding it, and a userspace forwarder for what DNAT cannot serve.
///
/// Binding the host port first is what makes a port in use an error
/// (`EADDRINUSE`) instead of a silent takeover: DNAT alone would steal the
/// traffic of a host service already listening there. The socket stays
/// bound while the container lives, and a TCP one listens: a connection
/// that reaches it (to 127.0.0.1, which DNAT leaves alone, or a host
/// without nftables) is accepted by the forwarder, which connects from
/// *inside the container's network namespace* and copies both ways.
///
///     host                                  container netns
///     127.0.0.1:8080 ──accept──┐            ┌──connect──> 172.29.0.2:80
///                              └─ splice ───┘
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/ipv4.hpp"
#include "pocker/ports.hpp"

namespace pocker {

/// One published port's host socket, bound (and, for TCP, listening).
struct ReservedPort {
  PortMapping mapping;  ///< with the host port the kernel chose, if it was 0
  Fd socket;            ///< bound to mapping.host_ip:mapping.host_port
};

/// Binds the host side of every mapping, in order. A port in use fails
/// naming it, and releases those bound before.
Result<std::vector<ReservedPort>> reserve_ports(const std::vector<PortMapping>& mappings);

/// Accepts on the reserved TCP sockets and relays each connection into a
/// network namespace. One thread waits for connections; each connection
/// gets two (one per direction, each a splice(2) loop through a pipe, so
/// the bytes never enter user space).
class PortForwarder {
 public:
  PortForwarder();
  ~PortForwarder();  ///< stop()
  PortForwarder(const PortForwarder&) = delete;
  PortForwarder& operator=(const PortForwarder&) = delete;

  /// Starts relaying: connections to each TCP port of `ports` (whose
  /// sockets stay owned by the caller and must outlive this object, or
  /// its stop()) go to `target`:container_port, connected from the network
  /// namespace `netns_fd` (/proc/PID/ns/net; duplicated). UDP ports are
  /// only held. Call once, and only after the container's clone: it
  /// starts threads.
  Result<void> start(const std::vector<ReservedPort>& ports, int netns_fd, Ipv4 target);

  /// Stops accepting, ends every relayed connection and joins the threads.
  /// Idempotent.
  void stop();

 private:
  struct Connection;
  void accept_loop(std::vector<std::pair<int, PortMapping>> listeners, Fd netns, Ipv4 target);
  void relay(int listener, const PortMapping& mapping, Ipv4 target);

  Fd wake_;  // an eventfd: written by stop()
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::atomic<bool> stopping_{false};
};

}  // namespace pocker
