/// @file
/// @brief The container lifecycle: run (foreground or detached), stop, kill, rm, wait, start.
///
/// A container is always watched by one *monitor*: the `pocker run`
/// process itself in the foreground, or a small forked pocker process with
/// `-d` (the role conmon or containerd-shim plays for other runtimes). The
/// monitor is the container's parent: it reaps it, records how it ended in
/// state.json, removes its cgroup and, with --rm, the whole container.
///
/// start, stop, kill, rm and restart each hold the container's operation
/// lock (pocker/op_lock.hpp), so two of them on one container never
/// interleave.
#pragma once

#include <string>
#include <vector>

#include "pocker/runtime.hpp"
#include "pocker/spec.hpp"
#include "pocker/state.hpp"

namespace pocker {

/// Registers the container (name, directory, config) and runs it in the
/// foreground; returns pocker's exit code and prints failures.
int run_attached(StateStore& store, const ContainerSpec& spec);

/// Registers the container and starts it under a detached monitor.
/// Returns once the command runs (or failed to): 0, or 125/126/127.
int run_detached(StateStore& store, const ContainerSpec& spec);

/// Starts a created or stopped container again, on the same root and
/// overlay; `attach` keeps pocker in the foreground like `run`. A running
/// one is left as it is: its id is printed and the answer is 0, as docker's.
int start_container(StateStore& store, const std::string& id, bool attach);

/// stop_container(), then start_container(), as one operation: nothing
/// else runs on the container in between.
int restart_container(StateStore& store, const std::string& id, double timeout_s);

/// Sends `signal` to the container's first process.
Result<void> kill_container(StateStore& store, const std::string& id, int signal);

/// SIGTERM, then SIGKILL after `timeout_s` seconds; waits until it ended.
Result<void> stop_container(StateStore& store, const std::string& id, double timeout_s);

/// Gives the container a new name (`pocker rename`), running or not; the
/// new name must be free and valid, as with --name.
Result<void> rename_container(StateStore& store, const std::string& id, const std::string& name);

/// Waits until the container is no longer running and returns its exit code.
Result<int> wait_container(StateStore& store, const std::string& id);

/// Removes a container; a running one only with `force` (killed first).
/// One whose state cannot be read only with `force`: its monitor and all in
/// its cgroup are killed, its files and name removed, and a warning printed.
Result<void> remove_container(StateStore& store, const std::string& id, bool force);

/// Why a container's files cannot be read, short, for `ps -a`: `error`
/// (from StateStore::load() or load_spec()) without the container's
/// directory in front, e.g. `state.json: not valid JSON`.
std::string unreadable_reason(const StateStore& store, const std::string& id, const Error& error);

/// `inspect`: the container's state and configuration as JSON.
Result<std::string> inspect_container(StateStore& store, const std::string& id);

/// Parses `TERM`, `SIGTERM` or `15`.
Result<int> parse_signal(const std::string& text);

}  // namespace pocker
