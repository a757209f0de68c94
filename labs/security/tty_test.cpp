// TIOCSTI: pushing bytes into a terminal's input as if typed. A container that shares the host's
// terminal as its controlling terminal could type commands into the shell that started pocker.
// pocker must start the container in a session of its own (setsid), so the terminal it was handed,
// if any, is not its controlling one: TIOCSTI then fails with EPERM unless CAP_SYS_ADMIN.
// The lab runs pocker with a pseudo-terminal of its own as stdin and controlling terminal.
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "security/escape.hpp"
#include "security/hints.hpp"
#include "support/fixture.hpp"

namespace {

using namespace lab::security;
using json = nlohmann::json;

// Runs argv with a new pty as stdin and controlling terminal, stdout to a pipe; stderr is dropped.
// Returns stdout, "" on any failure. The alarm survives execve and bounds the run to 60 s.
std::string run_on_pty(const std::vector<std::string>& argv) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return "";
  const std::string slave = ::ptsname(master);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return "";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    const int tty = ::open(slave.c_str(), O_RDWR);  // the session leader's first tty becomes its ctty
    if (tty < 0 || ::ioctl(tty, TIOCSCTTY, 0) != 0) ::_exit(126);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(tty, 0);
    ::dup2(out[1], 1);
    ::dup2(null, 2);
    ::alarm(60);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
  ::close(master);
  return text;
}

class SecurityTty : public lab::LabTest {
 protected:
  json tiocsti(std::vector<std::string> flags) {
    std::vector<std::string> argv{lab::pocker_bin(), "--root", pocker.root(), "run", "--rm", "-i"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), {"busybox", "pocker-probe", "escape", "tiocsti"});
    const std::string out = run_on_pty(argv);
    const json report = json::parse(out, nullptr, false);
    if (!report.is_object()) ADD_FAILURE() << "no report from " << argv.back() << "; stdout: " << out;
    return report;
  }
};

// Catches: a container that shares the caller's session, whose terminal is then its controlling
// one and takes TIOCSTI.
TEST_F(SecurityTty, TiocstiIntoCallersTerminal) {
  if (host_file("/proc/sys/dev/tty/legacy_tiocsti") == "0") {
    GTEST_SKIP() << "legacy TIOCSTI is disabled on this kernel (dev.tty.legacy_tiocsti = 0)";
  }
  const json fenced = tiocsti({});
  ASSERT_TRUE(fenced.is_object());
  EXPECT_EQ(fenced.value("ok", true), false) << fenced.dump() << "\n  lesson: " << kFds;
  if (fenced.value("target", "") == "fd 0") {
    // The terminal reached the container: only the session stops the ioctl.
    EXPECT_EQ(fenced.value("errno", json()), "EPERM") << fenced.dump() << "\n  lesson: " << kFds;
    EXPECT_TRUE(went_through(tiocsti({"--privileged"}), kFds));
  }
  // Else pocker relays stdin through a pipe and the terminal never reaches the container: no
  // relaxed side to show, the terminal is simply out of reach.
}

}  // namespace
