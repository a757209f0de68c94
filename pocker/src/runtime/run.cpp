// run_container(): the whole life of a foreground container, parent side.
//
//  1. block the signals we forward, so none is lost while the child starts
//  2. spawn the child, which waits on the sync channel
//  3. (later levels: uid/gid maps, cgroup, network) then send kGo
//  4. the child enters its root and execs; EOF on the channel = exec done
//  5. wait, and turn the status into pocker's exit code
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "pocker/process.hpp"
#include "pocker/root.hpp"
#include "pocker/runtime.hpp"
#include "pocker/signals.hpp"
#include "pocker/sync.hpp"
#include "pocker/trace.hpp"
#include "pocker/user.hpp"

namespace pocker {
namespace {

// Without -i the container gets an empty stdin, as with docker.
Result<void> detach_stdin() {
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) return sys_error("open /dev/null");
  int rc = ::dup2(null, STDIN_FILENO);  // dup2 clears O_CLOEXEC on the copy
  ::close(null);
  if (rc < 0) return sys_error("dup2 /dev/null to stdin");
  return ok();
}

// Everything the child does before exec. Returns the error that stops it.
Result<void> prepare_child(const ContainerSpec& spec) {
  TRY(enter_root_chroot(spec.rootfs));
  TRY(enter_workdir(spec.process.cwd));
  if (!spec.process.user.empty()) TRY(switch_user(spec.process.user));
  return ok();
}

[[noreturn]] void child_main(const ContainerSpec& spec, const SyncEnd& sync) {
  reset_signals_in_child();
  if (auto go = sync.expect(SyncMessage::Type::kGo); !go) ::_exit(kExitPockerFailed);
  if (!spec.process.interactive) {
    if (auto null = detach_stdin(); !null) {
      sync.send_error(SyncStage::kSetup, null.error());
      ::_exit(kExitPockerFailed);
    }
  }
  if (auto prepared = prepare_child(spec); !prepared) {
    sync.send_error(SyncStage::kSetup, prepared.error());
    ::_exit(kExitPockerFailed);
  }
  std::string path = env_lookup(spec.process.env, "PATH", kDefaultPath);
  Error failed = exec_in_path(spec.process.args, spec.process.env, path);
  sync.send_error(SyncStage::kExec, failed);
  ::_exit(failed.err() == ENOENT ? kExitNotFound : kExitNotExecutable);
}

// The shell's convention: "not found" is 127; found but unusable is 126.
RunOutcome exec_failure(const SyncMessage& message) {
  Error error(message.err, message.text);
  int code = (message.err == ENOENT || message.err == ENOTDIR) ? kExitNotFound
                                                               : kExitNotExecutable;
  std::string hint = code == kExitNotFound ? " in the container (is it in the image and on PATH?)"
                                           : "";
  return RunOutcome{code, error.message() + hint};
}

}  // namespace

Result<RunOutcome> run_container(const ContainerSpec& spec) {
  auto sync = TRY(make_sync_pair());
  ForwardedSignalsBlocked blocked;

  CloneOptions options;
  Child child = TRY(spawn(options, [&]() -> int {
    sync.parent.close();
    child_main(spec, sync.child);
  }));
  sync.child.close();
  forward_signals_to(child.pid());
  blocked.unblock();  // handlers are in place: let pending and future signals through

  TRY_CTX(sync.parent.send(SyncMessage{SyncMessage::Type::kGo}), "start container");
  auto message = TRY(sync.parent.recv());
  if (message && message->type == SyncMessage::Type::kError) {
    (void)child.wait();
    if (message->stage == SyncStage::kExec) return exec_failure(*message);
    return errno_error(message->err, "{}", message->text);
  }
  trace("container process {} is running", child.pid());

  auto status = TRY(child.wait());
  trace("container process {}", status.describe());
  return RunOutcome{status.shell_code(), {}};
}

}  // namespace pocker
