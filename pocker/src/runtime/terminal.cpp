#include "pocker/terminal.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pocker/fs.hpp"
#include "pocker/signals.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<Fd> open_console() {
  Fd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return sys_error("open /dev/ptmx");
  if (::unlockpt(master.get()) < 0) return sys_error("unlockpt");
  char name[64];
  if (::ptsname_r(master.get(), name, sizeof name) != 0) return sys_error("ptsname");
  Fd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return sys_error("open {}", name);
  // A controlling terminal belongs to a session leader: start a session,
  // then claim the pty, so Ctrl-C reaches the container's foreground job.
  if (::setsid() < 0) return sys_error("setsid");
  if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0) return sys_error("ioctl TIOCSCTTY {}", name);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::dup2(slave.get(), fd) < 0) return sys_error("dup2 {} to {}", name, fd);
  }
  trace("open(\"/dev/ptmx\"), slave {} is the controlling terminal", name);
  return master;
}

RawMode::RawMode(int fd) : fd_(fd) {
  struct termios current;
  if (::tcgetattr(fd_, &current) < 0) return;  // not a terminal: nothing to do
  saved_ = current;
  ::cfmakeraw(&current);
  ::tcsetattr(fd_, TCSANOW, &current);
}

RawMode::~RawMode() {
  if (saved_) ::tcsetattr(fd_, TCSANOW, &*saved_);
}

void copy_window_size(int from, int master) {
  struct winsize size;
  if (::ioctl(from, TIOCGWINSZ, &size) == 0) ::ioctl(master, TIOCSWINSZ, &size);
}

Result<void> relay_console(const Fd& master, bool forward_input) {
  copy_window_size(STDIN_FILENO, master.get());
  bool input_open = forward_input;
  // Our stdout closed (a pipe whose reader is gone): the container's
  // output is still read, so that it never blocks on a full pty, and dropped.
  bool output_open = true;
  char buf[8192];
  while (true) {
    struct pollfd fds[2] = {{master.get(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    int rc = ::poll(fds, input_open ? 2 : 1, -1);
    if (take_window_changed()) copy_window_size(STDIN_FILENO, master.get());
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return sys_error("poll");
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(master.get(), buf, sizeof buf);
      // EIO: every slave descriptor is closed, the container is gone.
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ok();
      if (output_open && !write_all(STDOUT_FILENO, buf, static_cast<size_t>(n))) output_open = false;
    }
    if (input_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // End of our input: pass an end-of-file on, as a terminal would.
        input_open = false;
        char eof = 4;  // Ctrl-D, read as end of input in canonical mode
        (void)write_all(master.get(), &eof, 1);
        continue;
      }
      if (!write_all(master.get(), buf, static_cast<size_t>(n))) return ok();
    }
  }
}

}  // namespace pocker
