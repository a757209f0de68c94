// Small one-shot commands: echo arguments and environment, exit or die in
// specific ways, sleep until SIGTERM, and read or write a single file.
#include "probe.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <thread>

namespace probe {

namespace {

volatile std::sig_atomic_t g_got_term = 0;

void on_term(int) { g_got_term = 1; }

timespec monotonic_now() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now;
}

}  // namespace

int cmd_args(const Args& args) {
  print_json({{"argv", args}});
  return 0;
}

int cmd_env(const Args&) {
  print_json({{"env", environment()}});
  return 0;
}

int cmd_exit(const Args& args) {
  long long status = 0;
  if (!parse_int(args[0], status) || status < 0 || status > 255) {
    usage_error("exit status must be 0..255, got '" + args[0] + "'");
  }
  return static_cast<int>(status);
}

int cmd_kill(const Args& args) {
  std::optional<int> sig = parse_signal(args[0]);
  if (!sig) usage_error("unknown signal '" + args[0] + "'");
  raise(*sig);
  // Still running: the kernel dropped the signal. That is what happens to
  // PID 1 of a PID namespace for any signal it has no handler for (SIGKILL
  // included, when sent from inside). Wait a moment in case delivery is
  // merely late, then say so.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  print_json({{"survived", true}, {"signal", *sig}});
  return 0;
}

int cmd_segv(const Args&) {
  // The pointer variable itself is volatile, so the compiler must load it at
  // run time and cannot prove the store hits null. (If it could, GCC would
  // replace the store with a trap instruction, which raises SIGILL instead.)
  volatile int* volatile target = nullptr;
  *target = 1;
  // Only reachable if the fault was somehow not fatal.
  print_json({{"survived", true}});
  return 1;
}

int cmd_sleep(const Args& args) {
  double seconds = 0;
  if (!parse_seconds(args[0], seconds)) usage_error("bad number of seconds '" + args[0] + "'");

  // A real handler matters: as PID 1 of a PID namespace, a default-action
  // SIGTERM would be dropped by the kernel. No SA_RESTART, so the wait below
  // is interrupted when it arrives.
  struct sigaction action {};
  action.sa_handler = on_term;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);

  // Keep SIGTERM blocked except while waiting inside ppoll(), which unblocks
  // it atomically. Otherwise a signal landing between "check the flag" and
  // "start sleeping" would be noticed only when the sleep ends.
  sigset_t term_only;
  sigset_t while_waiting;
  sigemptyset(&term_only);
  sigaddset(&term_only, SIGTERM);
  sigprocmask(SIG_BLOCK, &term_only, &while_waiting);
  sigdelset(&while_waiting, SIGTERM);

  // Anything beyond ~30 years (or "inf") simply means "until signalled".
  const bool forever = seconds > 1e9;
  timespec deadline = monotonic_now();
  if (!forever) {
    auto whole = static_cast<time_t>(seconds);
    deadline.tv_sec += whole;
    deadline.tv_nsec += static_cast<long>((seconds - static_cast<double>(whole)) * 1e9);
    if (deadline.tv_nsec >= 1'000'000'000L) {
      deadline.tv_sec += 1;
      deadline.tv_nsec -= 1'000'000'000L;
    }
  }

  while (!g_got_term) {
    timespec left{};
    if (!forever) {
      // Recompute from an absolute deadline so that interruptions by other
      // signals (SIGSTOP/SIGCONT, say) do not stretch the total sleep.
      timespec now = monotonic_now();
      left.tv_sec = deadline.tv_sec - now.tv_sec;
      left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
      if (left.tv_nsec < 0) {
        left.tv_sec -= 1;
        left.tv_nsec += 1'000'000'000L;
      }
      if (left.tv_sec < 0) break;  // deadline passed
    }
    int rc = ppoll(nullptr, 0, forever ? nullptr : &left, &while_waiting);
    if (rc == 0 || (rc < 0 && errno != EINTR)) break;  // timed out, or cannot wait at all
  }

  if (g_got_term) print_json({{"signal", "TERM"}});
  return 0;
}

int cmd_write(const Args& args) {
  const std::string& path = args[0];
  const std::string& text = args[1];
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = 0;
  if (fd < 0) {
    err = errno;
  } else {
    if (!write_all(fd, text)) err = errno;
    // close() can report delayed write errors (e.g. ENOSPC on some filesystems).
    if (close(fd) != 0 && err == 0) err = errno;
  }
  if (err == 0) {
    print_json({{"written", true}});
  } else {
    print_json({{"written", false}, {"errno", errno_name(err)}});
  }
  return 0;
}

int cmd_cat(const Args& args) {
  int err = 0;
  std::optional<std::string> content = read_file(args[0], &err);
  // Only "no such entry" means absent; EACCES or EISDIR mean it is there but
  // unreadable, which is exactly the distinction isolation labs care about.
  bool exists = content || (err != ENOENT && err != ENOTDIR);
  print_json({{"exists", exists},
              {"content", content ? json(*content) : json(nullptr)},
              {"errno", content ? json(nullptr) : json(errno_name(err))}});
  return 0;
}

}  // namespace probe
