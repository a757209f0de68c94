// attach: the monitor's socket server and the client (see pocker/attach.hpp).
#include "pocker/attach.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <optional>

#include "pocker/control.hpp"
#include "pocker/fs.hpp"
#include "pocker/terminal.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

constexpr const char* kSocketName = "attach.sock";
constexpr size_t kHeader = 5;  // type byte + 32-bit length

bool send_frame(int fd, AttachFrame type, const char* data, size_t size) {
  char header[kHeader];
  header[0] = static_cast<char>(type);
  uint32_t length = htonl(static_cast<uint32_t>(size));
  ::memcpy(header + 1, &length, sizeof length);
  return write_all(fd, header, sizeof header) && (size == 0 || write_all(fd, data, size));
}

// Takes every complete frame off the front of `pending`.
template <class OnFrame>
void take_frames(std::string& pending, OnFrame on_frame) {
  while (pending.size() >= kHeader) {
    uint32_t length;
    ::memcpy(&length, pending.data() + 1, sizeof length);
    length = ntohl(length);
    if (pending.size() < kHeader + length) return;
    on_frame(static_cast<AttachFrame>(pending[0]), pending.substr(kHeader, length));
    pending.erase(0, kHeader + length);
  }
}

// A unix socket's path is at most 107 bytes, and a container's directory
// under a test's --root can be longer: the socket is named through an
// O_PATH descriptor of the directory instead (/proc/self/fd/N/attach.sock).
struct SocketAddress {
  Fd dir;
  struct sockaddr_un addr {};
};

Result<SocketAddress> socket_address(const std::string& dir) {
  SocketAddress a;
  a.dir = Fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!a.dir) return sys_error("open {}", dir);
  a.addr.sun_family = AF_UNIX;
  std::string path = fmt::format("/proc/self/fd/{}/{}", a.dir.get(), kSocketName);
  ::memcpy(a.addr.sun_path, path.c_str(), path.size() + 1);
  return a;
}

// The controlling terminal's size, as the resize frame carries it.
bool window_size_frame(std::string& payload) {
  struct winsize size;
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &size) < 0) return false;
  uint16_t rows = htons(size.ws_row), cols = htons(size.ws_col);
  payload.assign(reinterpret_cast<const char*>(&rows), 2);
  payload.append(reinterpret_cast<const char*>(&cols), 2);
  return true;
}

volatile sig_atomic_t g_resized = 0;
void on_sigwinch(int) { g_resized = 1; }

}  // namespace

Result<std::string> parse_detach_keys(const std::string& text) {
  std::string keys;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string key = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (key.size() == 1) {
      keys += key;
    } else if (key.size() == 6 && key.rfind("ctrl-", 0) == 0) {
      char c = key[5];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c >= 'a' && c <= 'z') {
        keys += static_cast<char>(c - 'a' + 1);
      } else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '_') {
        keys += static_cast<char>(c - '@');  // ctrl-@ is 0, ctrl-[ 27 ... ctrl-_ 31
      } else {
        return user_error("invalid detach keys \"{}\": unknown key {}", text, key);
      }
    } else {
      return user_error("invalid detach keys \"{}\": use keys like ctrl-p,ctrl-q or ctrl-x,y", text);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return keys;
}

bool DetachKeys::feed(const char* data, size_t size, std::string& out) {
  for (size_t i = 0; i < size; ++i) {
    char c = data[i];
    if (keys_.empty()) {
      out += c;
      continue;
    }
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) return true;
      continue;
    }
    // Not the sequence after all: what was held back was typed for the container.
    out.append(keys_, 0, matched_);
    matched_ = 0;
    if (c == keys_[0]) {
      matched_ = 1;  // keys_ has two or more: one alone would have matched above
    } else {
      out += c;
    }
  }
  return false;
}

AttachServer::~AttachServer() {
  if (listen_ && !path_.empty()) ::unlink(path_.c_str());
}

Result<AttachServer> AttachServer::listen(const std::string& dir, const std::string& log, Fd input, Fd first) {
  AttachServer server;
  server.path_ = dir + "/" + kSocketName;
  server.log_path_ = log;
  server.input_ = std::move(input);
  auto address = TRY(socket_address(dir));
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("socket");
  ::unlink(server.path_.c_str());  // a socket left by a monitor that was killed
  // bind(2) makes the socket file with the umask's mode: only the owner
  // may connect, as only the owner may run the container's commands.
  mode_t old = ::umask(0177);
  int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.addr), sizeof address.addr);
  ::umask(old);
  if (bound < 0) return sys_error("bind {}", server.path_);
  if (::listen(fd.get(), 16) < 0) return sys_error("listen {}", server.path_);
  server.listen_ = std::move(fd);
  trace("listen on {} (mode 0600) = ok", server.path_);
  if (first) server.clients_.push_back(Client{std::move(first), {}});
  return server;
}

void AttachServer::broadcast(const char* data, size_t size) {
  for (Client& c : clients_) {
    // A client that does not read within the socket's send timeout is
    // dropped: it must not stall the container's output for the others.
    if (c.fd && !send_frame(c.fd.get(), AttachFrame::kOutput, data, size)) c.fd.reset();
  }
}

void AttachServer::accept_client() {
  Fd client(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!client) return;
  struct timeval timeout = {5, 0};
  ::setsockopt(client.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  trace("accept a client on {}", path_);
  // The log is followed only while someone watches: the first client
  // starts at its end (what came before is for `logs`).
  if (clients_.empty() && log_) ::lseek(log_.get(), 0, SEEK_END);
  clients_.push_back(Client{std::move(client), {}});
}

// False when the client left (end of file or an error).
bool AttachServer::read_client(Client& client, const Fd* console) {
  char buf[8192];
  ssize_t n = ::read(client.fd.get(), buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  client.pending.append(buf, static_cast<size_t>(n));
  take_frames(client.pending, [&](AttachFrame type, const std::string& payload) {
    if (type == AttachFrame::kInput) {
      int target = console ? console->get() : input_.get();
      if (target >= 0 && !write_all(target, payload.data(), payload.size())) {
        input_.reset();  // the container closed its stdin: drop further input
      }
    } else if (type == AttachFrame::kResize && console && payload.size() == 4) {
      uint16_t rows, cols;
      ::memcpy(&rows, payload.data(), 2);
      ::memcpy(&cols, payload.data() + 2, 2);
      struct winsize size {};
      size.ws_row = ntohs(rows);
      size.ws_col = ntohs(cols);
      if (::ioctl(console->get(), TIOCSWINSZ, &size) == 0) {
        trace("ioctl(TIOCSWINSZ, {}x{}) on the pty master = ok", size.ws_row, size.ws_col);
      }
    }
  });
  return true;
}

// Without a pty the container writes its log itself: send clients what
// was appended since the last look.
void AttachServer::pump_log() {
  if (!log_ || clients_.empty()) return;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(log_.get(), buf, sizeof buf)) > 0) broadcast(buf, static_cast<size_t>(n));
}

Result<void> AttachServer::serve(const Fd* console, pid_t child, int log_fd) {
  Fd exited(static_cast<int>(::syscall(SYS_pidfd_open, child, 0)));
  if (!exited) return sys_error("pidfd_open {}", child);
  Fd notify;
  if (!console) {
    // Clients see what comes after they attached: start at the log's end.
    log_ = Fd(::open(log_path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (log_) ::lseek(log_.get(), 0, SEEK_END);
    notify = Fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (notify && ::inotify_add_watch(notify.get(), log_path_.c_str(), IN_MODIFY) < 0) notify.reset();
  }
  bool console_open = console != nullptr;
  char buf[65536];
  while (true) {
    std::vector<struct pollfd> fds = {{exited.get(), POLLIN, 0}, {listen_.get(), POLLIN, 0}};
    // Without a pty the log is followed only for clients: a container that
    // writes much does not wake its monitor at every write for nobody.
    const bool following = !console && !clients_.empty();
    int source = console_open ? console->get() : following && notify ? notify.get() : -1;
    fds.push_back({source, POLLIN, 0});
    for (const Client& c : clients_) fds.push_back({c.fd.get(), POLLIN, 0});
    // Without inotify the log is looked at ten times a second.
    int rc = ::poll(fds.data(), fds.size(), following && !notify ? 100 : -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return sys_error("poll the attach clients");
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (console_open) {
        ssize_t n = ::read(console->get(), buf, sizeof buf);
        if (n > 0) {
          (void)write_all(log_fd, buf, static_cast<size_t>(n));
          broadcast(buf, static_cast<size_t>(n));
        } else if (!(n < 0 && errno == EINTR)) {
          console_open = false;  // EIO: no slave is open any more
        }
      } else {
        while (::read(notify.get(), buf, sizeof buf) > 0) {
        }
      }
    }
    if (!console) pump_log();
    // The clients polled are the first fds.size() - 3 of the vector: a
    // dropped one is only closed here, and removed below.
    for (size_t i = 0; i + 3 < fds.size(); ++i) {
      Client& c = clients_[i];
      if (c.fd && (fds[3 + i].revents & (POLLIN | POLLHUP | POLLERR)) &&
          !read_client(c, console_open ? console : nullptr)) {
        trace("a client left {}", path_);
        c.fd.reset();
      }
    }
    std::erase_if(clients_, [](const Client& c) { return !c.fd; });
    if (fds[1].revents & POLLIN) accept_client();
    if (fds[0].revents & POLLIN) break;
  }
  // The container's first process has exited (and with it, in its own PID
  // namespace, every other): what it left in the pty or the log is sent.
  if (console_open) {
    int flags = ::fcntl(console->get(), F_GETFL);
    if (flags >= 0) ::fcntl(console->get(), F_SETFL, flags | O_NONBLOCK);
    ssize_t n;
    while ((n = ::read(console->get(), buf, sizeof buf)) > 0) {
      (void)write_all(log_fd, buf, static_cast<size_t>(n));
      broadcast(buf, static_cast<size_t>(n));
    }
  }
  pump_log();
  return ok();
}

void AttachServer::finish(int exit_code) {
  std::string code = std::to_string(exit_code);
  for (Client& c : clients_) {
    if (c.fd) (void)send_frame(c.fd.get(), AttachFrame::kExit, code.data(), code.size());
  }
  clients_.clear();
  if (listen_) {
    ::unlink(path_.c_str());
    listen_.reset();
  }
}

Result<Fd> attach_connect(const StateStore& store, const std::string& id) {
  auto state = TRY(store.load(id));
  if (state.status != "running") {
    return user_error("container {} is not running: you cannot attach to a stopped container, start it first",
                      id.substr(0, 12));
  }
  if (container_paused(id)) {
    return user_error("container {} is paused: unpause it first", id.substr(0, 12));
  }
  auto address = TRY(socket_address(store.dir(id)));
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.addr), sizeof address.addr) < 0) {
    return sys_error("connect {}/{}", store.dir(id), kSocketName);
  }
  trace("connect {}/{} = ok", store.dir(id), kSocketName);
  return fd;
}

Result<int> attach_client(const StateStore& store, const std::string& id, const Fd& connection,
                          const AttachOptions& options) {
  const bool tty = options.terminal && ::isatty(STDIN_FILENO);
  // Raw mode only for a container with a pty: its own line discipline
  // echoes and edits, and ctrl-c must reach it as a byte.
  std::optional<RawMode> raw;
  if (tty) raw.emplace(STDIN_FILENO);
  struct sigaction action {}, old_action {};
  action.sa_handler = on_sigwinch;  // no SA_RESTART: poll(2) wakes up with EINTR
  ::sigaction(SIGWINCH, &action, &old_action);
  std::string size;
  if (tty && window_size_frame(size)) {
    (void)send_frame(connection.get(), AttachFrame::kResize, size.data(), size.size());
  }
  DetachKeys keys(options.detach_keys);
  bool input_open = options.forward_input;
  std::string pending, typed;
  char buf[65536];
  auto done = [&](Result<int> result) {
    ::sigaction(SIGWINCH, &old_action, nullptr);
    return result;
  };
  while (true) {
    struct pollfd fds[2] = {{connection.get(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    int rc = ::poll(fds, input_open ? 2 : 1, -1);
    if (g_resized) {
      g_resized = 0;
      if (tty && window_size_frame(size)) {
        (void)send_frame(connection.get(), AttachFrame::kResize, size.data(), size.size());
      }
    }
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return done(sys_error("poll"));
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(connection.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // The monitor is gone without saying how the container ended: ask its state.
        auto state = store.load(id);
        if (state && state.value().status == "exited") return done(state.value().exit_code);
        return done(user_error("container {}: its monitor ended", id.substr(0, 12)));
      }
      pending.append(buf, static_cast<size_t>(n));
      std::optional<int> exit_code;
      take_frames(pending, [&](AttachFrame type, const std::string& payload) {
        if (type == AttachFrame::kOutput) {
          (void)write_all(STDOUT_FILENO, payload.data(), payload.size());
        } else if (type == AttachFrame::kExit) {
          exit_code = std::atoi(payload.c_str());
        }
      });
      if (exit_code) return done(*exit_code);
    }
    if (input_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        input_open = false;  // our input ended; the output still comes
        continue;
      }
      typed.clear();
      bool detach = keys.feed(buf, static_cast<size_t>(n), typed);
      if (!typed.empty()) (void)send_frame(connection.get(), AttachFrame::kInput, typed.data(), typed.size());
      if (detach) {
        trace("detach keys typed: leaving container {} running", id.substr(0, 12));
        return done(kAttachDetached);
      }
    }
  }
}

}  // namespace pocker
