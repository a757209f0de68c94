/// @file
/// @brief Running a container from a ContainerSpec.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/ports.hpp"
#include "pocker/spec.hpp"

namespace pocker {

class AttachServer;  // pocker/attach.hpp

/// pocker's own exit codes, as a shell and docker use them.
enum ExitCode : int {
  kExitPockerFailed = 125,   ///< pocker itself failed: bad flag, missing image, setup error
  kExitNotExecutable = 126,  ///< the command exists but cannot be run
  kExitNotFound = 127,       ///< the command was not found
};

/// The outcome of a foreground run.
struct RunOutcome {
  int exit_code = 0;    ///< what pocker should exit with
  std::string failure;  ///< why the command could not run (126/127) or was killed, else empty
  bool oom_killed = false;  ///< the memory limit's OOM killer ended it
};

/// A container's address on the bridge network, as `inspect` shows it;
/// all empty when it has none (`--network none` or `host`).
struct ContainerAddress {
  std::string ip;       ///< e.g. 172.29.0.2
  std::string gateway;  ///< e.g. 172.29.0.1
  int prefix_len = 0;   ///< e.g. 16
  /// Its published ports, host ports as bound (`pocker port`, `inspect`'s
  /// NetworkSettings.Ports); empty without `-p` or `-P`.
  std::vector<PortMapping> ports;
};

/// What the caller learns while a container runs.
struct RunHooks {
  /// Called once the command was executed: its host pid, cgroup path and
  /// network address.
  std::function<void(pid_t pid, const std::string& cgroup, const ContainerAddress& address)> started;
  /// A detached container's monitor: serve `attach` clients (the pty, the
  /// stdin pipe, the output) while the container runs, instead of relaying
  /// the monitor's own stdin and stdout. Null in the foreground.
  AttachServer* attach = nullptr;
};

/// Runs the container in the foreground: starts it, forwards SIGINT,
/// SIGTERM and friends to it, waits, and returns its status. A command
/// that could not be executed gives exit code 126 or 127 and a `failure`
/// text; any other failure of pocker itself comes back as an Error (125).
Result<RunOutcome> run_container(const ContainerSpec& spec, const RunHooks& hooks = {});

}  // namespace pocker
