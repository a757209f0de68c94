// attach: a detached container's monitor keeps its pty (-t) or the writing end of its stdin (-i)
// and serves clients on a unix socket; a client relays both ways and leaves on ctrl-p ctrl-q
// without stopping the container. `run -it` at a terminal is such a client from the first byte.
// The -t cases run pocker on a pty of the test's own (pty.hpp), as a user would.
#include <sys/stat.h>

#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "lifecycle/pty.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kAttach;
using lab::lifecycle::PtySession;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

class LifecycleAttach : public lc::LifecycleTest {
 protected:
  // `run -d -it --name NAME busybox sh`: an interactive shell nobody watches yet.
  std::string detached_shell(const std::string& name) {
    const lab::Outcome run = detach({"-it", "--name", name, "busybox", "sh"});
    EXPECT_EQ(run.status, 0) << "`pocker run -d -it` to start a shell and exit 0\n  " << run.err
                             << "\n  lesson: " << kAttach;
    return lc::trimmed(run.out);
  }

  bool running(const std::string& name) {
    const lab::Outcome ps = pocker.run({"ps", "--format", "{{.Names}} {{.State}}"});
    return ps.out.find(name + " running") != std::string::npos;
  }

  std::string context(const PtySession& session) { return "\n  the terminal showed: " + session.screen(); }
};

// Catches: `run -d -it` refused, a monitor that keeps no pty (nothing to attach to), an attach
// that only prints what it finds in the log (the shell's answer to a command typed after attaching
// must come back), and output that does not also reach `logs`.
TEST_F(LifecycleAttach, SeesOutputWrittenAfterAttaching) {
  const std::string name = lab::unique_name();
  detached_shell(name);
  PtySession client(pocker.command({"attach", name}));
  ASSERT_TRUE(client.started());
  std::this_thread::sleep_for(300ms);
  // The shell computes 6*7: the answer proves the output came from the container, not an echo.
  client.type("echo after-$((6*7))\r");
  EXPECT_TRUE(client.wait_for("after-42", 10s))
      << "`pocker attach` to show the shell's output of a command typed after attaching" << context(client)
      << "\n  lesson: " << kAttach;
  EXPECT_TRUE(lc::eventually([&] { return pocker.run({"logs", name}).out.find("after-42") != std::string::npos; }, 5s))
      << "the output seen through attach to be in `pocker logs` too\n  lesson: " << kAttach;
}

// Catches: a client that forwards ctrl-p ctrl-q to the container instead of detaching, a detach
// that stops the container (the monitor ends its pty, or the client kills it), and a client that
// then hangs instead of exiting 0.
TEST_F(LifecycleAttach, CtrlPCtrlQDetachesAndLeavesItRunning) {
  const std::string name = lab::unique_name();
  detached_shell(name);
  PtySession client(pocker.command({"attach", name}));
  ASSERT_TRUE(client.started());
  std::this_thread::sleep_for(300ms);
  client.type("echo attached-$((2*3))\r");
  ASSERT_TRUE(client.wait_for("attached-6", 10s)) << context(client) << "\n  lesson: " << kAttach;
  client.type("\x10\x11");
  EXPECT_EQ(client.wait_exit(10s), 0) << "`pocker attach` to exit 0 once ctrl-p ctrl-q was typed" << context(client)
                                      << "\n  lesson: " << kAttach;
  EXPECT_TRUE(running(name)) << "the container to run on after the client detached\n  lesson: " << kAttach;

  // Detach keys of one's own choice, docker's syntax.
  PtySession again(pocker.command({"attach", "--detach-keys", "ctrl-x,y", name}));
  ASSERT_TRUE(again.started());
  std::this_thread::sleep_for(300ms);
  again.type("\x18y");
  EXPECT_EQ(again.wait_exit(10s), 0) << "`attach --detach-keys ctrl-x,y` to detach on ctrl-x y" << context(again)
                                     << "\n  lesson: " << kAttach;
  EXPECT_TRUE(running(name)) << "the container to run on\n  lesson: " << kAttach;
}

// Catches: a monitor that serves one client only (the second waits, or takes the output away from
// the first), and input typed in one client that the other never sees the effect of.
TEST_F(LifecycleAttach, TwoClientsBothSeeTheOutput) {
  const std::string name = lab::unique_name();
  detached_shell(name);
  PtySession first(pocker.command({"attach", name}));
  PtySession second(pocker.command({"attach", name}));
  ASSERT_TRUE(first.started() && second.started());
  std::this_thread::sleep_for(500ms);
  first.type("echo both-$((6*7))\r");
  EXPECT_TRUE(first.wait_for("both-42", 10s)) << "the client that typed to see the output" << context(first)
                                              << "\n  lesson: " << kAttach;
  EXPECT_TRUE(second.wait_for("both-42", 10s)) << "the other client to see the same output" << context(second)
                                               << "\n  lesson: " << kAttach;
}

// Catches: a window size that never reaches the container's pty (the client does not send it, or
// the monitor does not ioctl(TIOCSWINSZ) the master), at attach and after a resize.
TEST_F(LifecycleAttach, WindowResizeReachesTheContainer) {
  const std::string name = lab::unique_name();
  detached_shell(name);
  PtySession client(pocker.command({"attach", name}), 31, 97);
  ASSERT_TRUE(client.started());
  std::this_thread::sleep_for(300ms);
  client.type("stty size\r");
  EXPECT_TRUE(client.wait_for("31 97", 10s)) << "`stty size` inside to show the attached terminal's 31 rows, 97 columns"
                                             << context(client) << "\n  lesson: " << kAttach;
  client.resize(43, 121);
  std::this_thread::sleep_for(300ms);
  client.type("stty size\r");
  EXPECT_TRUE(client.wait_for("43 121", 10s)) << "`stty size` inside to follow a resize to 43x121 (SIGWINCH, TIOCSWINSZ)"
                                              << context(client) << "\n  lesson: " << kAttach;
}

// Catches: a foreground `run -it` that cannot detach (it is the container's parent and must stay),
// or whose container dies when it leaves; and one that no longer exits with the container's status.
TEST_F(LifecycleAttach, RunItDetachesAndExitsWithTheStatus) {
  const std::string name = lab::unique_name();
  PtySession run(pocker.command({"run", "-it", "--name", name, "busybox", "sh"}));
  ASSERT_TRUE(run.started());
  run.type("echo in-run-$((5*5))\r");
  ASSERT_TRUE(run.wait_for("in-run-25", 15s)) << context(run) << "\n  lesson: " << kAttach;
  run.type("\x10\x11");
  EXPECT_EQ(run.wait_exit(10s), 0) << "`run -it` to exit 0 on ctrl-p ctrl-q" << context(run) << "\n  lesson: " << kAttach;
  EXPECT_TRUE(running(name)) << "the container of `run -it` to run on after detaching\n  lesson: " << kAttach;

  PtySession back(pocker.command({"attach", name}));
  ASSERT_TRUE(back.started());
  std::this_thread::sleep_for(300ms);
  back.type("exit 3\r");
  EXPECT_EQ(back.wait_exit(10s), 3) << "`attach` to exit with the container's status when it ends" << context(back)
                                    << "\n  lesson: " << kAttach;

  PtySession plain(pocker.command({"run", "-it", "--rm", "busybox", "sh", "-c", "exit 7"}));
  EXPECT_EQ(plain.wait_exit(15s), 7) << "`run -it --rm ... exit 7` to exit 7" << context(plain) << "\n  lesson: " << kAttach;
}

// Catches: attach without -t that shows nothing (the output goes to the log only) or shows the
// whole log (docker shows what comes after), and stdin of `run -d -i` not reaching the container.
TEST_F(LifecycleAttach, WithoutTtyRelaysStdinAndNewOutput) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"-i", "--name", name, "busybox", "sh", "-c", "echo early; cat"});
  ASSERT_EQ(run.status, 0) << run.err << "\n  lesson: " << kAttach;
  ASSERT_TRUE(lc::eventually([&] { return pocker.run({"logs", name}).out.find("early") != std::string::npos; }, 5s));
  lab::RunOptions opts;
  opts.input = "typed-into-cat\n";
  opts.timeout = 30s;
  lab::Background client = pocker.start({"attach", name}, opts);
  const bool echoed = client.wait_for_stdout("typed-into-cat", 10s);
  pocker.run({"kill", name});
  const lab::Outcome attached = client.wait();
  LAB_EXPECT(echoed, "`attach` to send its stdin to the container's `cat` and show what cat writes back", attached,
             kAttach);
  LAB_EXPECT_OUT_LACKS(attached, "early", kAttach);
}

// Catches: attaching to a stopped container that hangs or exits 0, a bad --detach-keys taken
// silently, an attach socket anyone may connect to, and a socket left behind by `rm`.
TEST_F(LifecycleAttach, BadInputAndTheSocket) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "true"});
  ASSERT_EQ(run.status, 0) << run.err;
  ASSERT_TRUE(lc::eventually([&] { return !running(name); }, 10s));
  lab::RunOptions quick;
  quick.timeout = 10s;
  const lab::Outcome stopped = pocker.run({"attach", name}, quick);
  LAB_EXPECT_STATUS(stopped, 125, kAttach);
  LAB_EXPECT_POCKER_ERROR(stopped, "not running", kAttach);

  const std::string live = lab::unique_name("live");
  const std::string id = detached_shell(live);
  const lab::Outcome keys = pocker.run({"attach", "--detach-keys", "ctrl-", live}, quick);
  LAB_EXPECT_STATUS(keys, 125, kAttach);
  LAB_EXPECT_POCKER_ERROR(keys, "detach keys", kAttach);

  const std::string socket = root() + "/containers/" + id + "/attach.sock";
  struct stat st {};
  ASSERT_EQ(::stat(socket.c_str(), &st), 0) << socket << " to exist while the container runs\n  lesson: " << kAttach;
  EXPECT_TRUE(S_ISSOCK(st.st_mode)) << socket << " to be a socket";
  EXPECT_EQ(st.st_mode & 0777, 0600u) << socket << " to be mode 0600: only its owner may type into the container\n"
                                      << "  lesson: " << kAttach;
  ASSERT_EQ(pocker.run({"rm", "-f", live}).status, 0);
  EXPECT_NE(::stat(socket.c_str(), &st), 0) << socket << " to go with the container\n  lesson: " << kAttach;
}

}  // namespace
