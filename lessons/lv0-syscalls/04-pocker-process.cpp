// lv0 step 4: the same steps with pocker's process API, as `pocker run` does them.
//
//   build/lessons/lv0-04-pocker-process echo hello          exec works: the channel closes
//   build/lessons/lv0-04-pocker-process no-such-command     exec fails: ENOENT -> 127
//   build/lessons/lv0-04-pocker-process /                   exec fails: EACCES -> 126
//
// Steps 1-3 had one problem: when exec failed, the child could only say so
// with an exit code. Here the child sends the errno and a message over a
// socket, and the parent learns "exec worked" from the socket closing.
// The real thing is pocker/src/runtime/run.cpp; the pieces are in
// pocker/src/process/{spawn,exec,sync,child}.cpp and pocker/src/runtime/signals.cpp.
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/process.hpp"
#include "pocker/signals.hpp"
#include "pocker/sync.hpp"

extern char** environ;

namespace {

using pocker::SyncMessage;

// A shell's rule: "not found" is 127; found but cannot run is 126.
int exit_code_for(int err) { return (err == ENOENT || err == ENOTDIR) ? 127 : 126; }

// The child's side. spawn() turns our return value into _exit(value), so this
// never returns into main(). No exceptions and no TRY here: in this process
// there is no caller that could receive an Error.
int child_main(pocker::SyncPair& sync, const std::vector<std::string>& args,
               const std::vector<std::string>& env) {
  // clone copied the parent's end into us too. Close our copy: if the parent
  // dies, recv() below should see EOF, and it cannot while we hold that end.
  sync.parent.close();
  // Undo the parent's signal blocking (below): the command should start with
  // a clean signal mask and default handlers, like any new program.
  pocker::reset_signals_in_child();

  // Wait until the parent says "go". In `pocker run` the parent uses this
  // pause to write uid maps and join cgroups (later levels).
  if (auto go = sync.child.expect(SyncMessage::Type::kGo); !go) return 125;

  // Search PATH and exec. Only returns on failure, with the best errno.
  std::string path = pocker::env_lookup(env, "PATH", "/usr/local/bin:/usr/bin:/bin");
  pocker::Error failed = pocker::exec_in_path(args, env, path);

  // Still here, so exec failed. Tell the parent *why*, with the errno.
  sync.child.send_error(pocker::SyncStage::kExec, failed);
  return exit_code_for(failed.err());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);

  // 1. The channel: a SOCK_SEQPACKET socketpair, both ends close-on-exec.
  auto pair = pocker::make_sync_pair();
  if (!pair) {
    std::printf("parent: %s\n", pair.error().message().c_str());
    return 125;
  }
  pocker::SyncPair& sync = pair.value();

  // 2. Block SIGINT, SIGTERM, ... until we know the child's pid. A signal that
  //    comes in between is kept pending instead of being lost.
  pocker::ForwardedSignalsBlocked blocked;

  // 3. spawn = clone3 (step 2) + run the function in the child.
  std::fflush(stdout);  // see step 1
  auto spawned =
      pocker::spawn(pocker::CloneOptions{}, [&]() -> int { return child_main(sync, args, env); });
  if (!spawned) {
    std::printf("parent: %s\n", spawned.error().message().c_str());
    return 125;
  }
  // A Child owns the process: if we return early, its destructor kills and reaps it.
  pocker::Child child = std::move(spawned).value();
  std::printf("parent: spawned child %d\n", child.pid());
  std::fflush(stdout);

  // Close our copy of the child's end. EOF comes only when *every* copy of
  // the child's end is closed; exec closes the child's copy, this is ours.
  sync.child.close();

  // 4. From now on SIGINT/SIGTERM/... sent to us are passed on to the child.
  pocker::forward_signals_to(child.pid());
  blocked.unblock();

  // 5. Let the child go on.
  if (auto sent = sync.parent.send(SyncMessage{SyncMessage::Type::kGo}); !sent) {
    std::printf("parent: %s\n", sent.error().message().c_str());
    return 125;
  }

  // 6. Read the channel. There are two possible answers:
  //    - EOF: the child's end was closed by a successful exec (close-on-exec),
  //    - a kError message: exec failed, and we get its errno and text.
  auto message = sync.parent.recv();
  if (!message) {
    std::printf("parent: %s\n", message.error().message().c_str());
    return 125;
  }
  if (!message.value()) {
    std::printf("parent: exec succeeded (the channel closed on exec)\n");
  } else {
    const SyncMessage& m = *message.value();
    int code = exit_code_for(m.err);
    std::printf("parent: exec failed: errno %d (%s): %s: %s -> shell status %d\n", m.err,
                strerrorname_np(m.err) ? strerrorname_np(m.err) : "?", m.text, strerror(m.err),
                code);
  }
  std::fflush(stdout);

  // 7. Wait for the command to end. Child::wait retries on EINTR, which our
  //    forwarding handler can cause.
  auto status = child.wait();
  if (!status) {
    std::printf("parent: %s\n", status.error().message().c_str());
    return 125;
  }
  std::printf("parent: child %s (shell status %d)\n", status.value().describe().c_str(),
              status.value().shell_code());
  return status.value().shell_code();
}
