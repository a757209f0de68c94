// Internal to the runtime: the steps `run` and `exec` share around the
// final execve — the child's side (stdin, the pty, exec and its error
// report) and the parent's (waiting for the exec, turning a failure into
// 126/127). See pocker/sync.hpp for the protocol itself.
#pragma once

#include <optional>

#include "pocker/fd.hpp"
#include "pocker/runtime.hpp"
#include "pocker/spec.hpp"
#include "pocker/sync.hpp"

namespace pocker {

/// Child: without -i the process gets an empty stdin, as with docker.
Result<void> detach_stdin();

/// Child, without -t: a session of its own, with no controlling terminal.
/// Its stdin may be the caller's terminal (`run -i` typed at a shell):
/// in the caller's session it could push keystrokes into that shell with
/// ioctl(TIOCSTI). Outside it, the kernel refuses (EPERM), and the
/// terminal's signals reach the container only through pocker.
Result<void> leave_callers_session();

/// Child, with -t: opens a pty (after the root is entered, so from the
/// container's own devpts), makes it stdio, and sends the master to pocker.
/// A failure has already been reported over `sync` when this returns false.
bool hand_over_console(const SyncEnd& sync);

/// Child: execs the process with its own PATH. Only returns on failure,
/// after reporting it over `sync`, with the exit code a shell would use.
int exec_process(const ProcessSpec& process, const SyncEnd& sync);

/// Parent, after kGo: reads until EOF (the exec happened) or an error
/// message; a pty master sent on the way lands in `console`.
Result<std::optional<SyncMessage>> await_exec(const SyncEnd& sync, Fd& console);

/// Parent: the outcome for a failed exec, 127 (not found) or 126.
RunOutcome exec_failure(const SyncMessage& message);

/// Child, after the root and the working directory: no_new_privs, the
/// bounding set, seccomp, the user switch (-u, may be empty), then the
/// capability sets and descriptors (pocker/security.hpp says why in
/// this order).
Result<void> confine(const SecuritySpec& security, CapSet caps, const SeccompProgram& seccomp,
                     const std::string& user);

/// The store a container belongs to (`--root`): its state_dir is
/// `<root>/containers/<id>`. The seccomp cache lives there.
std::string store_root_of(const ContainerSpec& spec);

}  // namespace pocker
