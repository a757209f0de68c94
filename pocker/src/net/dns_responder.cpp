// The DNS responder of a user network: one process per network, on the
// gateway's port 53. Its life: started by the first container that needs
// it, one at a time (flock on dns.lock), ended when the network has no
// containers left, or by `network rm` (SIGTERM, pid from dns.pid, trusted
// only while dns.lock is held). Killed with -9, its lock goes with it, and
// the next container start runs another.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include "pocker/dns.hpp"
#include "pocker/fd.hpp"
#include "pocker/fs.hpp"
#include "pocker/ipam.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

volatile sig_atomic_t g_stop = 0;

sockaddr_in socket_address(Ipv4 ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(ip.value);
  return a;
}

// The addresses of `name` on the network: each container with a lease
// whose names file lists it. Read afresh at each question: a container
// started a moment ago is found, one collected is not.
std::vector<Ipv4> lookup(const UserNetwork& network, const std::string& name) {
  std::vector<Ipv4> found;
  Ipam ipam(network.host_dir() + "/leases", network.subnet, network.gateway);
  auto leases = ipam.leases();
  if (!leases) return found;
  for (const Lease& lease : leases.value()) {
    auto names = read_file(network.host_dir() + "/names/" + lease.container_id);
    if (!names) continue;
    std::istringstream words(names.value());
    for (std::string word; words >> word;) {
      for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (word == name) {
        found.push_back(lease.address);
        break;
      }
    }
  }
  return found;
}

// Sends `query` to the first upstream that answers within 2 s.
std::vector<uint8_t> forward(const std::vector<uint8_t>& query, const std::vector<Ipv4>& upstream) {
  for (Ipv4 server : upstream) {
    Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) continue;
    sockaddr_in to = socket_address(server, 53);
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) continue;
    if (::send(sock.get(), query.data(), query.size(), 0) < 0) continue;
    pollfd p{sock.get(), POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) continue;
    std::vector<uint8_t> answer(4096);
    ssize_t got = ::recv(sock.get(), answer.data(), answer.size(), 0);
    if (got <= 0) continue;
    answer.resize(static_cast<size_t>(got));
    return answer;
  }
  return {};
}

std::vector<uint8_t> answer(const UserNetwork& network, const std::vector<Ipv4>& upstream,
                            const std::vector<uint8_t>& query) {
  auto question = parse_dns_query(query);
  if (!question) {
    if (query.size() < 12) return {};
    DnsQuestion header;
    header.id = static_cast<uint16_t>(query[0] << 8 | query[1]);
    header.end = 12;
    auto reply = dns_response(std::vector<uint8_t>(query.begin(), query.begin() + 12), header, {},
                              kDnsFormErr);
    if (reply.size() >= 12) reply[5] = 0;  // no question copied
    return reply;
  }
  const DnsQuestion& q = question.value();
  std::vector<Ipv4> addresses = lookup(network, q.name);
  if (!addresses.empty()) {
    // A known name: its addresses for A, an empty answer for any other
    // type (AAAA), so that a resolver asking both does not wait.
    if (q.type != kDnsA) addresses.clear();
    return dns_response(query, q, addresses);
  }
  std::vector<uint8_t> forwarded = forward(query, upstream);
  if (!forwarded.empty()) return forwarded;
  return dns_response(query, q, {}, upstream.empty() ? kDnsNxDomain : kDnsServFail);
}

// Whether the responder is still needed; when not, it lets go of
// dns.lock while holding the lease directory's lock, so a container that
// takes a lease after this look finds dns.lock free and starts another.
bool still_needed(const UserNetwork& network, Fd& dns_lock, Fd& udp) {
  std::string dir = network.host_dir() + "/leases";
  Fd leases(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!leases) return false;  // network rm
  if (::flock(leases.get(), LOCK_EX) < 0) return true;
  Ipam ipam(dir, network.subnet, network.gateway);
  bool empty = true;
  DIR* d = ::opendir(dir.c_str());
  while (d) {
    dirent* e = ::readdir(d);
    if (!e) break;
    if (parse_ipv4(e->d_name)) empty = false;
  }
  if (d) ::closedir(d);
  if (!empty) return true;
  ::unlink((network.host_dir() + "/dns.pid").c_str());
  udp.reset();
  dns_lock.reset();
  return false;
}

}  // namespace

Result<void> serve_dns(const UserNetwork& network, const std::vector<Ipv4>& upstream, int ready_fd) {
  auto ready = [ready_fd] {
    if (ready_fd >= 0) {
      (void)!::write(ready_fd, "1", 1);
      ::close(ready_fd);
    }
  };
  std::string lock_path = network.host_dir() + "/dns.lock";
  Fd lock(::open(lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) return sys_error("open {}", lock_path);
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) < 0) {
    ready();  // another responder serves this network
    return ok();
  }
  Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!udp) return sys_error("socket for the DNS responder of network {}", network.name);
  sockaddr_in at = socket_address(network.gateway, 53);
  if (::bind(udp.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) < 0) {
    return sys_error("bind {}:53 (udp) for the DNS responder of network {}", to_string(network.gateway),
                     network.name);
  }
  TRY(write_file_atomic(network.host_dir() + "/dns.pid", std::to_string(::getpid()) + "\n"));
  trace("dns responder of network {} on {}:53, pid {}", network.name, to_string(network.gateway), ::getpid());
  struct sigaction stop{};
  stop.sa_handler = [](int) { g_stop = 1; };
  ::sigaction(SIGTERM, &stop, nullptr);
  ::sigaction(SIGINT, &stop, nullptr);
  ready();
  std::vector<uint8_t> buffer(4096);
  while (!g_stop) {
    pollfd p{udp.get(), POLLIN, 0};
    int n = ::poll(&p, 1, 500);
    if (n == 0) {
      if (!still_needed(network, lock, udp)) return ok();
      continue;
    }
    if (n < 0) continue;  // EINTR: g_stop is looked at
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    ssize_t got = ::recvfrom(udp.get(), buffer.data(), buffer.size(), 0,
                             reinterpret_cast<sockaddr*>(&from), &from_len);
    if (got <= 0) continue;
    std::vector<uint8_t> query(buffer.begin(), buffer.begin() + got);
    std::vector<uint8_t> reply = answer(network, upstream, query);
    if (!reply.empty()) {
      (void)::sendto(udp.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
  }
  ::unlink((network.host_dir() + "/dns.pid").c_str());
  return ok();
}

Result<void> ensure_dns_responder(const UserNetwork& network, const std::vector<std::string>& argv) {
  std::string lock_path = network.host_dir() + "/dns.lock";
  {
    Fd lock(::open(lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
    if (!lock) return sys_error("open {}", lock_path);
    if (::flock(lock.get(), LOCK_SH | LOCK_NB) < 0) return ok();  // one serves already
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return sys_error("pipe for the DNS responder");
  Fd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  pid_t first = ::fork();
  if (first < 0) return sys_error("fork the DNS responder of network {}", network.name);
  if (first == 0) {
    // A daemon: its own session, not our child (the grandchild is
    // adopted by init), stdio on /dev/null, only the ready pipe kept (as
    // fd 3): no lease lock or pipe of the caller may live on in it.
    ::setsid();
    // The caller may block the signals it forwards to its container; a
    // blocked mask survives exec, and SIGTERM must reach the responder.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::fork() != 0) ::_exit(0);
    int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    ::dup2(write_end.get(), 3);
    ::syscall(SYS_close_range, 4U, ~0U, 0U);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv("/proc/self/exe", args.data());
    ::_exit(127);
  }
  write_end.reset();
  int status = 0;
  ::waitpid(first, &status, 0);
  pollfd p{read_end.get(), POLLIN, 0};
  char byte = 0;
  if (::poll(&p, 1, 2000) <= 0 || ::read(read_end.get(), &byte, 1) != 1) {
    return user_error("the DNS responder of network {} did not start (see `pocker --trace network dns-serve`)",
                      network.name);
  }
  trace("dns responder of network {} ready", network.name);
  return ok();
}

}  // namespace pocker
