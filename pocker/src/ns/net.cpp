// Network namespace: a new one has only `lo`, and it is down. Later levels
// (lvX) add a veth pair and a bridge; this level only brings up loopback.
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "pocker/fd.hpp"
#include "pocker/namespaces.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<void> net_bring_up_loopback() {
  // handout(lv1.loopback) begin: bring `lo` up (SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP)
  // The classic interface ioctls need any socket in the namespace to act on.
  Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return sys_error("socket for lo");
  struct ifreq request;
  ::memset(&request, 0, sizeof request);
  ::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) < 0) return sys_error("get flags of lo");
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) < 0) return sys_error("bring up lo");
  trace("ioctl(SIOCSIFFLAGS, lo, IFF_UP) = ok");
  // handout(lv1.loopback) end
  return ok();
}

}  // namespace pocker
