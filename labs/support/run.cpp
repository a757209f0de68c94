#include "support/run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

extern char** environ;

namespace lab {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A file descriptor closed exactly once; close is never retried (Linux frees it even on EINTR).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// CLOEXEC on both ends, so no other child we start inherits them and holds them open.
Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  return {Fd(fds[0]), Fd(fds[1])};
}

void set_nonblocking(const Fd& fd) {
  if (fd) ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
}

// Our own environment with `extra` on top: "KEY=VALUE" there replaces KEY here.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  auto key = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view mine = *entry;
    const bool replaced =
        std::any_of(extra.begin(), extra.end(), [&](const std::string& e) { return key(e) == key(mine); });
    if (!replaced) env.emplace_back(mine);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// dup2, except that a descriptor already in place only loses its CLOEXEC flag.
bool move_to(int fd, int target) {
  if (fd == target) return ::fcntl(fd, F_SETFD, 0) == 0;
  return ::dup2(fd, target) == target;
}

// The forked child. Only async-signal-safe calls from here on (fork(2) in a program with threads).
[[noreturn]] void exec_child(char* const argv[], char* const envp[], int in, int out, int err, int report) {
  ::setpgid(0, 0);  // a group of its own: a timeout kills everything it started
  // Ignored signals stay ignored across execve, and a shell that starts with SIGINT ignored cannot
  // trap it (POSIX `trap`); start from the defaults whatever ran us.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (move_to(in, 0) && move_to(out, 1) && move_to(err, 2)) ::execve(argv[0], argv, envp);
  const int error = errno;
  // The report pipe is CLOEXEC: the parent reads EOF when execve worked, an errno when it did not.
  [[maybe_unused]] const ssize_t ignored = ::write(report, &error, sizeof error);
  ::_exit(127);
}

int status_of(int wait_status) {
  if (wait_status < 0) return -1;
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace

struct Background::State {
  std::vector<std::string> argv;
  Clock::time_point deadline;
  pid_t pid = -1;
  bool reaped = false;
  int wait_status = 0;
  bool timed_out = false;
  std::string start_error;
  Fd in, out, err;  // our ends of the child's stdin, stdout and stderr
  std::string input;
  size_t input_sent = 0;
  std::string out_text, err_text;

  ~State() {
    if (pid > 0 && !reaped) {
      kill_group();
      reap(true);
    }
  }

  void start(const RunOptions& opts);
  bool pump(milliseconds max_wait);
  void feed_input();
  static void read_some(Fd& fd, std::string& text);
  void reap(bool block);
  void kill_group() const {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);  // in case it left the group
  }
};

void Background::State::start(const RunOptions& opts) {
  if (argv.empty()) {
    start_error = "nothing to run: empty argv";
    reaped = true;
    return;
  }
  // A child that closes its stdin early must not kill the test binary with SIGPIPE; the child
  // itself gets the default back in exec_child.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);

  std::vector<std::string> env = child_environment(opts.env_extra);
  std::vector<char*> c_argv = c_strings(argv), c_env = c_strings(env);
  Pipe out_pipe = make_pipe(), err_pipe = make_pipe(), report = make_pipe(), in_pipe;
  if (opts.input) {
    in_pipe = make_pipe();
  } else {
    in_pipe.read = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!in_pipe.read) throw_errno("open /dev/null");
  }

  pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    exec_child(c_argv.data(), c_env.data(), in_pipe.read.get(), out_pipe.write.get(), err_pipe.write.get(),
               report.write.get());
  }
  ::setpgid(pid, pid);  // also here, so the group exists before we might have to kill it
  in_pipe.read.reset();
  out_pipe.write.reset();
  err_pipe.write.reset();
  report.write.reset();

  int child_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(report.read.get(), &child_errno, sizeof child_errno);
  } while (got < 0 && errno == EINTR);
  if (got == sizeof child_errno) {
    start_error = "cannot execute " + argv[0] + ": " + std::strerror(child_errno);
    reap(true);
    return;
  }
  out = std::move(out_pipe.read);
  err = std::move(err_pipe.read);
  in = std::move(in_pipe.write);
  set_nonblocking(out);
  set_nonblocking(err);
  set_nonblocking(in);
  input = opts.input.value_or("");
  if (input.empty()) in.reset();
}

// One round: waits up to max_wait for a pipe to be ready, then serves each ready one once.
// True when something happened (data, end of file, input written).
bool Background::State::pump(milliseconds max_wait) {
  pollfd fds[3];
  Fd* owners[3];
  nfds_t count = 0;
  for (Fd* fd : {&out, &err, &in}) {
    if (!*fd) continue;
    fds[count] = {fd->get(), static_cast<short>(fd == &in ? POLLOUT : POLLIN), 0};
    owners[count++] = fd;
  }
  if (::poll(fds, count, static_cast<int>(max_wait.count())) <= 0) return false;  // none, or EINTR
  bool progress = false;
  for (nfds_t i = 0; i < count; ++i) {
    if (fds[i].revents == 0) continue;
    progress = true;
    if (owners[i] == &in) {
      feed_input();
    } else {
      read_some(*owners[i], owners[i] == &out ? out_text : err_text);
    }
  }
  return progress;
}

void Background::State::feed_input() {
  const ssize_t sent = ::write(in.get(), input.data() + input_sent, input.size() - input_sent);
  if (sent < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (sent < 0) {
    in.reset();  // EPIPE: the child closed its stdin and does not want the rest
    return;
  }
  input_sent += static_cast<size_t>(sent);
  if (input_sent == input.size()) in.reset();  // end of file for the child
}

void Background::State::read_some(Fd& fd, std::string& text) {
  char buffer[65536];
  const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
  if (got > 0) {
    text.append(buffer, static_cast<size_t>(got));
  } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
    fd.reset();
  }
}

void Background::State::reap(bool block) {
  if (pid <= 0 || reaped) return;
  int status = 0;
  pid_t got = 0;
  do {
    got = ::waitpid(pid, &status, block ? 0 : WNOHANG);
  } while (got < 0 && errno == EINTR);
  if (got == pid) {
    reaped = true;
    wait_status = status;
  } else if (got < 0 && errno == ECHILD) {
    reaped = true;  // someone else reaped it: its status is lost
    wait_status = -1;
  }
}

Background::Background(std::vector<std::string> argv, RunOptions opts) : s_(std::make_unique<State>()) {
  s_->argv = std::move(argv);
  s_->deadline = Clock::now() + opts.timeout;
  s_->start(opts);
}

Background::~Background() = default;
Background::Background(Background&&) noexcept = default;
Background& Background::operator=(Background&&) noexcept = default;

pid_t Background::pid() const { return s_->pid; }

bool Background::signal(int sig) {
  if (s_->pid <= 0 || s_->reaped) return false;
  return ::kill(s_->pid, sig) == 0;
}

bool Background::wait_for_stdout(std::string_view needle, milliseconds within) {
  const auto until = std::min(Clock::now() + within, s_->deadline);
  while (s_->out_text.find(needle) == std::string::npos) {
    if (Clock::now() >= until || (s_->reaped && !s_->out)) return false;
    s_->pump(milliseconds(20));
    s_->reap(false);
  }
  return true;
}

bool Background::wait_for_stderr(std::string_view needle, milliseconds within) {
  const auto until = std::min(Clock::now() + within, s_->deadline);
  while (s_->err_text.find(needle) == std::string::npos) {
    if (Clock::now() >= until || (s_->reaped && !s_->err)) return false;
    s_->pump(milliseconds(20));
    s_->reap(false);
  }
  return true;
}

const std::string& Background::out() const { return s_->out_text; }
const std::string& Background::err() const { return s_->err_text; }

Outcome Background::wait() {
  State& s = *s_;
  Outcome outcome;
  outcome.argv = s.argv;
  if (!s.start_error.empty()) {
    outcome.err = "lab: " + s.start_error + "\n";
    return outcome;
  }
  while (!s.reaped) {
    if (!s.timed_out && Clock::now() >= s.deadline) {
      s.kill_group();
      s.timed_out = true;
    }
    s.pump(milliseconds(20));
    s.reap(false);
  }
  // What the child wrote is in the pipes already. A grandchild may still hold them open (a detached
  // container), so take only what is there, for at most a second.
  s.in.reset();
  const auto until = Clock::now() + std::chrono::seconds(1);
  while ((s.out || s.err) && Clock::now() < until && s.pump(milliseconds(0))) {
  }
  outcome.status = status_of(s.wait_status);
  outcome.out = std::move(s.out_text);
  outcome.err = std::move(s.err_text);
  outcome.timed_out = s.timed_out;
  return outcome;
}

Outcome run(std::vector<std::string> argv, RunOptions opts) {
  return Background(std::move(argv), std::move(opts)).wait();
}

std::string shell_quote(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    if (!line.empty()) line += ' ';
    const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || (c != '\0' && std::strchr("_@%+=:,./-", c) != nullptr);
    });
    if (plain) {
      line += arg;
      continue;
    }
    line += '\'';
    for (char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

}  // namespace lab
