// `pocker exec`: a new process inside a running container.
//
// The new process must end up in every namespace of the container and in
// its cgroup. pocker joins the PID namespace for its *children* first
// (setns on a pid namespace only affects processes created afterwards),
// then clones the child, puts it in the container's cgroup, and the child
// joins the other namespaces with setns(2) before it execs. Joining the
// mount namespace also moves its root and cwd to the container's root.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "start_protocol.hpp"
#include "pocker/cgroup.hpp"
#include "pocker/exec.hpp"
#include "pocker/namespaces.hpp"
#include "pocker/output.hpp"
#include "pocker/process.hpp"
#include "pocker/root.hpp"
#include "pocker/signals.hpp"
#include "pocker/sync.hpp"
#include "pocker/terminal.hpp"
#include "pocker/trace.hpp"
#include "pocker/user.hpp"

namespace pocker {
namespace {

// User first: it grants the rights to join the others. Mount last: after
// it, the host's /proc is out of sight. PID is joined apart (see above).
const std::vector<std::string> kJoinOrder = {"user", "cgroup", "ipc", "uts", "net", "mnt"};

// setns on a PID namespace changes only where our *children* are born.
// The kernel wants CAP_SYS_ADMIN in the user namespace that owns it. Host
// root has that already. A rootless pocker has it only inside the
// container's user namespace (it made it, as the same user), so it joins
// that one first, here in the parent, and takes it off the child's list:
// nobody can setns into the user namespace it is already in.
Result<void> join_pid_namespace_for_children(pid_t pid, bool rootless,
                                             std::vector<NamespaceHandle>& namespaces) {
  if (rootless) {
    auto user = std::find_if(namespaces.begin(), namespaces.end(),
                             [](const NamespaceHandle& ns) { return ns.flag == CLONE_NEWUSER; });
    if (user != namespaces.end()) {
      if (::setns(user->fd.get(), CLONE_NEWUSER) < 0) return sys_error("setns user");
      trace("setns(user) = ok");
      namespaces.erase(user);
    }
  }
  auto pid_ns = TRY(open_namespaces(pid, {"pid"}));
  return join_namespaces(pid_ns);
}

Result<void> prepare_exec_child(const std::vector<NamespaceHandle>& namespaces,
                                const ProcessSpec& process, const SecuritySpec& security,
                                CapSet caps, const SeccompProgram& seccomp) {
  TRY(join_namespaces(namespaces));
  if (::chdir("/") < 0) return sys_error("chdir /");
  TRY(enter_workdir(process.cwd));
  TRY(check_cwd_inside_root());
  return confine(security, caps, seccomp, process.user);
}

}  // namespace

Result<RunOutcome> exec_in_container(pid_t container_pid, const std::string& cgroup_path,
                                     const ProcessSpec& process, const SecuritySpec& security,
                                     bool privileged, const std::string& store_root,
                                     const std::function<void()>& launched) {
  // Asked once, before the user namespace below makes us its root.
  const bool rootless = ::geteuid() != 0;
  // docker's exec --privileged: every capability; the container's own
  // profile still applies, compiled for them (it then allows mount, ...).
  const CapSet caps = privileged ? all_capabilities() : security.capabilities;
  auto seccomp = TRY(prepare_seccomp(security, caps, store_root));
  auto namespaces = TRY_CTX(open_namespaces(container_pid, kJoinOrder), "exec");
  std::unique_ptr<Cgroup> cgroup;
  if (!cgroup_path.empty()) {
    auto host = TRY(detect_cgroups());
    cgroup = TRY(make_cgroup(host, cgroup_path.substr(cgroup_path.find_first_not_of('/'))));
  }
  TRY_CTX(join_pid_namespace_for_children(container_pid, rootless, namespaces), "exec");

  OutputPipes output;  // with -t the pty carries the output instead
  if (!process.terminal) output = TRY_CTX(make_output_pipes(), "exec");
  auto sync = TRY(make_sync_pair());
  ForwardedSignalsBlocked blocked;
  Child child = TRY(spawn(CloneOptions{}, [&]() -> int {
    sync.parent.close();
    // Until its execve this process is pocker: inside the container's PID
    // namespace its /proc/PID/exe would lead a process there to pocker's
    // binary on the host (CVE-2019-5736). Not dumpable, /proc/PID is
    // root's and closed to a process without CAP_SYS_PTRACE; execve of
    // the command makes it dumpable again.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    die_with_parent(sync.child);
    reset_signals_in_child();
    if (!sync.child.expect(SyncMessage::Type::kGo)) return kExitPockerFailed;
    if (!process.interactive) {
      if (auto null = detach_stdin(); !null) {
        sync.child.send_error(SyncStage::kSetup, null.error());
        return kExitPockerFailed;
      }
    }
    if (!process.terminal) {
      if (auto alone = leave_callers_session(); !alone) {
        sync.child.send_error(SyncStage::kSetup, alone.error());
        return kExitPockerFailed;
      }
      if (auto piped = use_output_pipes(output); !piped) {
        sync.child.send_error(SyncStage::kSetup, piped.error());
        return kExitPockerFailed;
      }
    }
    if (auto prepared = prepare_exec_child(namespaces, process, security, caps, seccomp);
        !prepared) {
      sync.child.send_error(SyncStage::kSetup, prepared.error());
      return kExitPockerFailed;
    }
    if (process.terminal && !hand_over_console(sync.child)) return kExitPockerFailed;
    return exec_process(process, sync.child);
  }));
  sync.child.close();
  close_container_ends(output);
  forward_signals_to(child.pid());
  blocked.unblock();

  if (cgroup) {
    auto joined = cgroup->add_pid(child.pid());
    // The kernel lets a process be moved only by one who may write the
    // cgroup.procs of the common ancestor of both cgroups (cgroup-v2.rst,
    // "Delegation Containment"): rootless, exec must start inside the
    // subtree delegated to the user, as run did.
    if (!joined && joined.error().err() == EACCES && rootless) {
      return user_error(
          "exec: the kernel refused to move the process into the container's cgroup {} "
          "(permission denied): this shell's cgroup is outside the subtree delegated to you; "
          "run exec from inside it (systemd-run --user --scope -- pocker exec ...)",
          cgroup_path);
    }
    TRY_CTX(std::move(joined), "exec: join the container's cgroup");
  }
  TRY(sync.parent.send(SyncMessage{SyncMessage::Type::kGo}));
  Fd console;
  auto message = TRY(await_exec(sync.parent, console));
  if (message && message->type == SyncMessage::Type::kError) {
    (void)child.wait();
    if (message->stage == SyncStage::kExec) return exec_failure(*message);
    return errno_error(message->err, "{}", message->text);
  }
  // It runs, in the container's namespaces and cgroup: a `stop` from now on
  // ends it with the container.
  if (launched) launched();
  if (console) {
    RawMode raw(STDIN_FILENO);
    TRY_CTX(relay_console(console, process.interactive), "terminal");
  }
  TRY_CTX(relay_output(output, child.pid()), "exec output");
  auto status = TRY(child.wait());
  return RunOutcome{status.shell_code(), {}, false};
}

}  // namespace pocker
