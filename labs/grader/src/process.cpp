#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

namespace grader {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_interrupt(int) { g_interrupted = 1; }

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

bool interrupted() { return g_interrupted != 0; }

RunResult run_gtest(const RunSpec& spec) {
  RunResult result;
  const Clock::time_point start = Clock::now();
  int out[2], report[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    result.exec_error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  if (::pipe2(report, O_CLOEXEC) != 0) {  // carries errno from a failed execve
    result.exec_error = std::string("pipe: ") + std::strerror(errno);
    ::close(out[0]), ::close(out[1]);
    return result;
  }
  std::vector<char*> argv, envp;
  for (const std::string& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  for (const std::string& var : spec.env) envp.push_back(const_cast<char*>(var.c_str()));
  envp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    result.exec_error = std::string("fork: ") + std::strerror(errno);
    ::close(out[0]), ::close(out[1]), ::close(report[0]), ::close(report[1]);
    return result;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &dfl, nullptr);
    sigaction(SIGTERM, &dfl, nullptr);
    sigaction(SIGPIPE, &dfl, nullptr);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execve(argv[0], argv.data(), envp.data());
    const int error = errno;
    (void)!::write(report[1], &error, sizeof error);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: no race with the child's own call
  ::close(out[1]);
  ::close(report[1]);
  int exec_errno = 0;
  const bool exec_failed = ::read(report[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  ::close(report[0]);
  if (exec_failed) {
    ::waitpid(pid, nullptr, 0);
    ::close(out[0]);
    result.exec_error = std::string("cannot run ") + spec.argv[0] + ": " + std::strerror(exec_errno);
    return result;
  }
  result.started = true;

  std::string current_test;  // running now, per the console
  Clock::time_point test_start = start;
  std::string line;          // the line being read
  bool reaped = false, eof = false;
  int status = 0;
  Clock::time_point reaped_at{};
  const auto kill_group = [&] { ::kill(-pid, SIGKILL); };
  const auto take_line = [&](const std::string& text) {
    if (text.starts_with("[ RUN      ] ")) {
      current_test = text.substr(13, text.find(' ', 13) == std::string::npos ? std::string::npos : text.find(' ', 13) - 13);
      test_start = Clock::now();
      if (spec.on_test_start) spec.on_test_start(current_test);
    } else if (text.starts_with("[       OK ] ") || text.starts_with("[  FAILED  ] ") ||
               text.starts_with("[  SKIPPED ] ")) {
      current_test.clear();
    }
  };

  while (!eof) {
    pollfd fd{out[0], POLLIN, 0};
    const int ready = ::poll(&fd, 1, 100);
    if (ready > 0) {
      char buf[8192];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n > 0) {
        result.output.append(buf, static_cast<size_t>(n));
        for (ssize_t i = 0; i < n; ++i) {
          if (buf[i] == '\n') {
            take_line(line);
            line.clear();
          } else {
            line += buf[i];
          }
        }
      } else if (n == 0 || errno != EINTR) {
        eof = true;
      }
    }
    if (!reaped && ::waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      reaped_at = Clock::now();
    }
    if (reaped && since(reaped_at) > 2.0) {
      kill_group();  // something it left behind still holds the pipe open
      break;
    }
    if (!reaped) {
      if (interrupted()) {
        result.interrupted = true;
        kill_group();
      } else if (spec.test_timeout > 0 && !current_test.empty() && since(test_start) > spec.test_timeout) {
        result.timed_out = true;
        result.timed_out_test = current_test;
        kill_group();
      } else if (spec.total_timeout > 0 && since(start) > spec.total_timeout) {
        result.timed_out = true;
        result.timed_out_test = current_test;
        kill_group();
      }
      if (result.interrupted || result.timed_out) {
        ::waitpid(pid, &status, 0);
        reaped = true;
        reaped_at = Clock::now();
      }
    }
  }
  ::close(out[0]);
  if (!line.empty()) take_line(line);
  if (!reaped) ::waitpid(pid, &status, 0);
  kill_group();  // nothing of this run may outlive it
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.seconds = since(start);
  return result;
}

}  // namespace grader
