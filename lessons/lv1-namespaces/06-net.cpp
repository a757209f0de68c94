// lv1 step 6: the network namespace. Only `lo`, and it starts down.
//
//   sudo build/lessons/lv1-06-net                 the interfaces, inside and outside
//   sudo build/lessons/lv1-06-net ip addr         ... and run `ip addr` inside at the end
//
// Needs root (CAP_SYS_ADMIN for CLONE_NEWNET).
// Man pages: network_namespaces(7), netdevice(7) (SIOCGIFFLAGS), udp(7).
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

// /proc/net/dev lists the interfaces of the network namespace of the process
// that reads it: two header lines, then one line per interface, "  lo: 1234 ...".
std::string interfaces() {
  std::ifstream in("/proc/net/dev");
  std::string line, names;
  for (int n = 0; std::getline(in, line); ++n) {
    if (n < 2) continue;
    std::istringstream fields(line);
    std::string name;
    std::getline(fields >> std::ws, name, ':');
    names += (names.empty() ? "" : " ") + name;
  }
  return names;
}

// The classic interface ioctls work on any socket: the socket only says
// which network namespace we mean (the one it was made in).
bool lo_is_up(int sock) {
  struct ifreq request {};
  strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(sock, SIOCGIFFLAGS, &request) < 0) return false;
  return request.ifr_flags & IFF_UP;
}

// Sends one UDP packet to ourselves on 127.0.0.1, and reads it back.
std::string udp_to_self() {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in address {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // 127.0.0.1, port 0: any free port
  socklen_t length = sizeof address;
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  std::string result;
  if (bind(sock, generic, length) < 0 || getsockname(sock, generic, &length) < 0) {
    result = std::string("bind: ") + strerror(errno);
  } else if (sendto(sock, "ping", 4, 0, generic, length) < 0) {
    result = std::string("sendto 127.0.0.1: ") + strerror(errno);
  } else {
    timeval two_seconds{2, 0};  // do not wait forever if the packet is lost
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof two_seconds);
    char buffer[8] = {};
    ssize_t n = recv(sock, buffer, sizeof buffer - 1, 0);
    result = n == 4 ? "sent and got back \"ping\"" : "sent, but nothing came back";
  }
  close(sock);
  return result;
}

int child_main(char** command) {
  std::printf("child: interfaces: %s\n", interfaces().c_str());
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    std::printf("child: socket: %s\n", strerror(errno));
    return 1;
  }
  std::printf("child: lo is %s\n", lo_is_up(sock) ? "UP" : "DOWN");
  std::printf("child: udp to 127.0.0.1: %s\n", udp_to_self().c_str());

  // Bring lo up: read its flags, add IFF_UP, write them back. This is what
  // `ip link set lo up` does (with netlink instead of an ioctl).
  struct ifreq request {};
  strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(sock, SIOCGIFFLAGS, &request) < 0) {
    std::printf("child: SIOCGIFFLAGS: %s\n", strerror(errno));
    return 1;
  }
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (ioctl(sock, SIOCSIFFLAGS, &request) < 0) {
    std::printf("child: SIOCSIFFLAGS: %s\n", strerror(errno));
    return 1;
  }
  close(sock);
  std::printf("child: ioctl(SIOCSIFFLAGS, lo, IFF_UP) = ok\n");
  sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  std::printf("child: lo is %s\n", lo_is_up(sock) ? "UP" : "DOWN");
  close(sock);
  std::printf("child: udp to 127.0.0.1: %s\n", udp_to_self().c_str());

  if (command[0] == nullptr) return 0;
  std::fflush(stdout);
  execvp(command[0], command);
  std::printf("child: exec %s: %s\n", command[0], strerror(errno));
  return 127;
}

}  // namespace

int main(int, char** argv) {
  std::printf("parent: interfaces: %s\n", interfaces().c_str());

  struct clone_args args {};
  args.flags = CLONE_NEWNET;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("parent: clone3(CLONE_NEWNET): %s%s\n", strerror(errno),
                errno == EPERM ? " (needs root)" : "");
    return 1;
  }
  if (pid == 0) {
    int code = child_main(argv + 1);  // the command, maybe empty
    std::fflush(stdout);
    _exit(code);
  }
  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("parent: child %ld ended, shell status %d\n", pid, code);
  // The namespace ended with its last process; its lo went with it.
  std::printf("parent: interfaces: %s\n", interfaces().c_str());
  return code;
}
