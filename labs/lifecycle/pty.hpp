// A command run on a pseudo-terminal of its own, as a user types at it: `pocker run -it` and
// `pocker attach` read keys (ctrl-p ctrl-q among them) and follow the window size only there.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace lab::lifecycle {

class PtySession {
 public:
  // Starts argv[0] (a path) in a new session whose controlling terminal is a new pty of
  // rows x cols. An alarm bounds it to 60 s, should the test forget it.
  explicit PtySession(const std::vector<std::string>& argv, unsigned short rows = 24, unsigned short cols = 80) {
    struct winsize size {};
    size.ws_row = rows;
    size.ws_col = cols;
    pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
    if (pid_ == 0) {
      ::alarm(60);
      std::vector<char*> args;
      for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~PtySession() {
    if (pid_ > 0 && status_ < 0) {
      ::kill(pid_, SIGKILL);
      int ignored;
      ::waitpid(pid_, &ignored, 0);
    }
    if (master_ >= 0) ::close(master_);
  }
  PtySession(const PtySession&) = delete;
  PtySession& operator=(const PtySession&) = delete;

  bool started() const { return pid_ > 0 && master_ >= 0; }
  pid_t pid() const { return pid_; }

  // Types `keys` as if at the keyboard.
  void type(std::string_view keys) {
    size_t done = 0;
    while (done < keys.size()) {
      ssize_t n = ::write(master_, keys.data() + done, keys.size() - done);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  // Reads the screen until it shows `needle` (true) or `within` passes.
  bool wait_for(std::string_view needle, std::chrono::milliseconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (screen_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(static_cast<int>(left.count()))) return false;
    }
    return true;
  }

  // Changes the terminal's window size; the kernel sends SIGWINCH to the program on it.
  void resize(unsigned short rows, unsigned short cols) {
    struct winsize size {};
    size.ws_row = rows;
    size.ws_col = cols;
    ::ioctl(master_, TIOCSWINSZ, &size);
  }

  // Waits up to `within` for the program to exit: its exit code (128+N for signal N), or -1 when
  // it is still running.
  int wait_exit(std::chrono::milliseconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (status_ < 0) {
      int raw = 0;
      pid_t done = ::waitpid(pid_, &raw, WNOHANG);
      if (done == pid_) {
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        break;
      }
      if (std::chrono::steady_clock::now() >= until) return -1;
      read_some(50);  // keep the pty drained, so the program never blocks on a full screen
    }
    return status_;
  }

  const std::string& screen() const { return screen_; }

 private:
  bool read_some(int timeout_ms) {
    struct pollfd fd = {master_, POLLIN, 0};
    if (::poll(&fd, 1, timeout_ms) <= 0) return true;  // nothing yet: not an error
    char buf[4096];
    ssize_t n = ::read(master_, buf, sizeof buf);
    if (n <= 0) return false;  // EIO: the program and its terminal are gone
    screen_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  int status_ = -1;
  std::string screen_;
};

}  // namespace lab::lifecycle
