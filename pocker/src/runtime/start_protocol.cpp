#include "start_protocol.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "pocker/process.hpp"
#include "pocker/terminal.hpp"
#include "pocker/user.hpp"

namespace pocker {
namespace {

// The shell's convention: "not found" is 127; found but unusable is 126.
int exit_code_for_exec_error(int err) {
  return (err == ENOENT || err == ENOTDIR) ? kExitNotFound : kExitNotExecutable;
}

}  // namespace

Result<void> detach_stdin() {
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) return sys_error("open /dev/null");
  int rc = ::dup2(null, STDIN_FILENO);  // dup2 clears O_CLOEXEC on the copy
  ::close(null);
  if (rc < 0) return sys_error("dup2 /dev/null to stdin");
  return ok();
}

Result<void> leave_callers_session() {
  // handout(security.session) begin: without -t, setsid(2): a session of its own, so the caller's terminal is not its controlling terminal
  if (::setsid() < 0) return sys_error("setsid");
  // handout(security.session) end
  return ok();
}

bool hand_over_console(const SyncEnd& sync) {
  auto master = open_console();
  if (!master) {
    sync.send_error(SyncStage::kSetup, master.error());
    return false;
  }
  // The master is close-on-exec here; pocker gets its own copy.
  return sync.send_fd(SyncMessage{SyncMessage::Type::kTerminal}, master.value().get()).ok();
}

int exec_process(const ProcessSpec& process, const SyncEnd& sync) {
  std::string path = env_lookup(process.env, "PATH", kDefaultPath);
  Error failed = exec_in_path(process.args, process.env, path);
  sync.send_error(SyncStage::kExec, failed);
  return exit_code_for_exec_error(failed.err());
}

Result<std::optional<SyncMessage>> await_exec(const SyncEnd& sync, Fd& console) {
  while (true) {
    auto message = TRY(sync.recv(&console));
    if (!message || message->type != SyncMessage::Type::kTerminal) return message;
  }
}

RunOutcome exec_failure(const SyncMessage& message) {
  Error error(message.err, message.text);
  int code = exit_code_for_exec_error(message.err);
  std::string hint = code == kExitNotFound ? " in the container (is it in the image and on PATH?)"
                                           : "";
  return RunOutcome{code, error.message() + hint};
}

Result<void> confine(const SecuritySpec& security, CapSet caps, const SeccompProgram& seccomp,
                     const std::string& user) {
  TRY(confine_before_user_switch(security, caps, seccomp));
  if (!user.empty()) TRY(switch_user(user));
  return confine_after_user_switch(caps);
}

std::string store_root_of(const ContainerSpec& spec) {
  std::string dir = spec.state_dir;
  for (int up = 0; up < 2; ++up) dir = dir.substr(0, dir.find_last_of('/'));
  return dir.empty() ? "/" : dir;
}

}  // namespace pocker
