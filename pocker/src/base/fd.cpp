#include "pocker/fd.hpp"

#include <unistd.h>

namespace pocker {

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);  // never retried: see the class comment
  fd_ = fd;
}

}  // namespace pocker
