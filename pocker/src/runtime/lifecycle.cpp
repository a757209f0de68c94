#include "pocker/lifecycle.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "container_cgroup.hpp"
#include "security_json.hpp"
#include "unreadable.hpp"
#include "pocker/attach.hpp"
#include "pocker/control.hpp"
#include "pocker/fs.hpp"
#include "pocker/op_lock.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

void print_error(const std::string& message) {
  std::string line = "pocker: " + message + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

// The hooks that keep state.json true while the monitor runs the container.
// A first run has no state.json to read back: only its creation time.
RunHooks state_hooks(StateStore& store, const ContainerSpec& spec, bool first_run,
                     std::function<void()> also) {
  return RunHooks{[&store, &spec, first_run, also](pid_t pid, const std::string& cgroup,
                                                   const ContainerAddress& address) {
    auto lock = store.lock(spec.id);
    ContainerState s;
    if (first_run) {
      auto created = store.created_at(spec.id);
      s.created_at = created ? created.value() : now_rfc3339();
    } else if (auto state = store.load(spec.id)) {
      s = state.value();
    }
    s.id = spec.id;
    s.name = spec.name;
    s.status = "running";
    s.pid = pid;
    s.monitor = ::getpid();
    s.monitor_start = process_start_time(::getpid());
    s.cgroup = cgroup;
    s.address = address;
    s.started_at = now_rfc3339();
    s.exit_code = 0;
    s.oom_killed = false;
    (void)store.save(s);
    if (also) also();
  }};
}

// After the container ended: record how, and remove it with --rm.
void record_exit(StateStore& store, const ContainerSpec& spec, const RunOutcome& outcome) {
  if (spec.remove) {
    // The name from config.json: `rename` may have changed it meanwhile.
    (void)store.remove(spec.id);
    return;
  }
  auto lock = store.lock(spec.id);
  auto state = store.load(spec.id);
  ContainerState s = state ? state.value() : ContainerState{};
  s.status = "exited";
  s.pid = 0;
  s.address = {};  // released with the container's end, as docker clears it
  s.exit_code = outcome.exit_code;
  s.oom_killed = outcome.oom_killed;
  s.finished_at = now_rfc3339();
  (void)store.save(s);
}

// Runs the container under this process as its monitor.
// A first run that fails removes the container (bad input leaves nothing
// behind); a failed `start` of an existing one keeps it.
int monitor(StateStore& store, const ContainerSpec& spec, bool first_run,
            std::function<void()> on_started, std::function<void(int, const std::string&)> on_failed,
            AttachServer* attach = nullptr) {
  RunHooks hooks = state_hooks(store, spec, first_run, on_started);
  hooks.attach = attach;
  auto outcome = run_container(spec, hooks);
  if (!outcome) {
    on_failed(kExitPockerFailed, outcome.error().message());
    if (first_run) (void)store.remove(spec.id, spec.name);
    return kExitPockerFailed;
  }
  // 126/127 with a failure text: the command never ran.
  if (!outcome.value().failure.empty() && !outcome.value().oom_killed) {
    on_failed(outcome.value().exit_code, outcome.value().failure);
    if (first_run) (void)store.remove(spec.id, spec.name);
    return outcome.value().exit_code;
  }
  if (!outcome.value().failure.empty()) print_error(outcome.value().failure);
  record_exit(store, spec, outcome.value());
  return outcome.value().exit_code;
}

bool still_running(StateStore& store, const std::string& id) {
  auto state = store.load(id);
  return state && (state.value().status == "running");
}

// Polls until the container stops running or `deadline` passes.
bool wait_until_stopped(StateStore& store, const std::string& id,
                        std::chrono::steady_clock::time_point deadline) {
  while (still_running(store, id)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Forks a monitor in its own session whose output goes to the container's
// log, and waits until it reports that the command runs (or why not).
// The operation lock passes to the monitor: it lets the next operation in
// once state.json says `running`, and on a failure only when it exits,
// after its clean-up. So a `start` killed meanwhile does not free it early.
// `first_client`, when valid, is attached from the start (`run -it`);
// then the id is not printed.
int run_under_detached_monitor(StateStore& store, const ContainerSpec& spec, bool first_run,
                               OpLock lock, Fd first_client = {}) {
  const bool print_id = !first_client;
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) < 0) {
    print_error(sys_error("pipe").message());
    return kExitPockerFailed;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    print_error(sys_error("fork the monitor").message());
    return kExitPockerFailed;
  }
  if (pid == 0) {
    // The monitor: no terminal, no job-control signals from the shell.
    ::close(ready[0]);
    ::setsid();
    ::prctl(PR_SET_NAME, "pocker-monitor");
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    // -i without -t: the container's stdin is a pipe whose writing end
    // this monitor keeps, for `attach` to write into.
    Fd input;
    int stdin_pipe[2] = {-1, -1};
    if (spec.process.interactive && !spec.process.terminal && ::pipe2(stdin_pipe, O_CLOEXEC) == 0) {
      input = Fd(stdin_pipe[1]);
    }
    // handout(lifecycle.logs) begin: the container's stdout and stderr go to its log file (appended to, for start), stdin to /dev/null
    int log = ::open(store.log_path(spec.id).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (null < 0 || log < 0) ::_exit(kExitPockerFailed);
    ::dup2(null, STDIN_FILENO);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    // handout(lifecycle.logs) stub:
    // if (null < 0) ::_exit(kExitPockerFailed);
    // ::dup2(null, STDIN_FILENO);
    // ::dup2(null, STDOUT_FILENO);
    // ::dup2(null, STDERR_FILENO);
    // handout(lifecycle.logs) end
    if (input) {
      ::dup2(stdin_pipe[0], STDIN_FILENO);  // the container inherits it
      ::close(stdin_pipe[0]);
    }
    int fd = ready[1];
    // One line: the container's processes may keep a copy of this pipe
    // open, so pocker reads up to the newline instead of waiting for EOF.
    auto say = [fd](std::string text) {
      text += '\n';
      ssize_t ignored = ::write(fd, text.data(), text.size());
      (void)ignored;
      ::close(fd);
    };
    auto server = AttachServer::listen(store.dir(spec.id), store.log_path(spec.id), std::move(input),
                                       std::move(first_client));
    if (!server) {
      if (first_run) (void)store.remove(spec.id, spec.name);
      say(std::to_string(kExitPockerFailed) + " " + server.error().message());
      ::_exit(kExitPockerFailed);
    }
    int code = monitor(store, spec, first_run,
                       [&] {
                         lock.release();
                         say("ok");
                       },
                       [&](int failed, const std::string& message) {
                         say(std::to_string(failed) + " " + message);
                       },
                       &server.value());
    server.value().finish(code);
    ::_exit(code);
  }
  first_client.reset();  // the monitor's now
  ::close(ready[1]);
  lock.release();  // the monitor holds it now
  std::string answer;
  char buf[512];
  ssize_t n;
  while (answer.find('\n') == std::string::npos && (n = ::read(ready[0], buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  ::close(ready[0]);
  if (!answer.empty() && answer.back() == '\n') answer.pop_back();
  if (answer == "ok") {
    if (print_id) std::printf("%s\n", spec.id.c_str());
    return 0;
  }
  if (answer.empty()) {
    print_error("the container's monitor ended before the container started");
    return kExitPockerFailed;
  }
  size_t space = answer.find(' ');
  print_error(answer.substr(space + 1));
  return std::atoi(answer.substr(0, space).c_str());
}

// `run -it` at a terminal: a detached monitor with this process attached
// from the first byte on, through a socket pair.
int run_interactive(StateStore& store, const ContainerSpec& spec) {
  auto lock = OpLock::take(store, spec.id);
  int pair[2];
  if (!lock || ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
    print_error(lock ? sys_error("socketpair").message() : lock.error().message());
    (void)store.remove(spec.id, spec.name);
    return kExitPockerFailed;
  }
  Fd ours(pair[0]);
  int started = run_under_detached_monitor(store, spec, true, std::move(lock.value()), Fd(pair[1]));
  if (started != 0) return started;
  AttachOptions options;
  options.terminal = true;
  auto code = attach_client(store, spec.id, ours, options);
  if (!code) {
    print_error(code.error().message());
    return kExitPockerFailed;
  }
  return code.value() == kAttachDetached ? 0 : code.value();
}

Result<void> register_container(StateStore& store, const ContainerSpec& spec) {
  if (auto created = store.create(spec); !created) {
    (void)store.remove(spec.id, spec.name);  // the name, what was made, the --rm lock file
    return created;
  }
  return ok();
}

}  // namespace

int run_attached(StateStore& store, const ContainerSpec& spec) {
  if (auto registered = register_container(store, spec); !registered) {
    print_error(registered.error().message());
    return kExitPockerFailed;
  }
  // -it at a terminal: the container runs under a monitor of its own and
  // this pocker is its first attached client, so that the detach keys can
  // leave it running (docker's client and daemon split the same way).
  if (spec.process.terminal && spec.process.interactive && ::isatty(STDIN_FILENO)) {
    return run_interactive(store, spec);
  }
  return monitor(store, spec, true, nullptr, [](int, const std::string& m) { print_error(m); });
}

int run_detached(StateStore& store, const ContainerSpec& spec) {
  if (auto registered = register_container(store, spec); !registered) {
    print_error(registered.error().message());
    return kExitPockerFailed;
  }
  // Held until it runs: an `rm -f` or `start` of it meanwhile waits (a
  // foreground run takes none: nobody else can act on it before it runs
  // but `rm -f`, and a `run --rm` must stay cheap).
  auto lock = OpLock::take(store, spec.id);
  if (!lock) {
    print_error(lock.error().message());
    (void)store.remove(spec.id, spec.name);
    return kExitPockerFailed;
  }
  return run_under_detached_monitor(store, spec, true, std::move(lock.value()));
}

namespace {

// start, with the operation lock held; it passes to the monitor.
int start_locked(StateStore& store, const std::string& id, bool attach, OpLock lock) {
  trace_abbreviate(store.dir(id), "$C");
  auto spec = store.load_spec(id);
  if (!spec) {
    print_error(fmt::format("container {}: {}", id.substr(0, 12), spec.error().message()));
    return kExitPockerFailed;
  }
  auto state = store.load(id);
  if (!state) {
    print_error(fmt::format("container {}: {}", id.substr(0, 12), state.error().message()));
    return kExitPockerFailed;
  }
  if (state.value().status == "running") {
    // docker: starting a running container is no error and changes
    // nothing; the other of two `start`s at once ends here.
    if (attach) {
      print_error(fmt::format("container {} is already running", id.substr(0, 12)));
      return kExitPockerFailed;
    }
    std::printf("%s\n", id.c_str());
    return 0;
  }
  // A new process in the same container: same id, root and overlay.
  if (attach) {
    // This process is the monitor: the lock goes once it runs, or failed.
    return monitor(store, spec.value(), false, [&lock] { lock.release(); },
                   [&lock](int, const std::string& m) {
                     lock.release();
                     print_error(m);
                   });
  }
  return run_under_detached_monitor(store, spec.value(), false, std::move(lock));
}

Result<void> signal_locked(StateStore& store, const std::string& id, int signal) {
  auto state = TRY(store.load(id));
  if (state.status != "running" || state.pid <= 0) {
    return user_error("container {} is not running", id.substr(0, 12));
  }
  if (::kill(state.pid, signal) < 0 && errno != ESRCH) return sys_error("kill {}", state.pid);
  trace("kill({}, {}) = ok", state.pid, signal);
  return ok();
}

// Held until the monitor has written `exited`: a `start` or `rm` waits.
Result<void> stop_locked(StateStore& store, const std::string& id, double timeout_s) {
  auto state = TRY(store.load(id));
  if (state.status != "running") return ok();  // docker: stopping a stopped container is fine
  // handout(lifecycle.stop) begin: SIGTERM first, so the container can end cleanly; SIGKILL only when it still runs after timeout_s
  TRY(signal_locked(store, id, SIGTERM));
  thaw_after_signal(id);  // docker stops a paused container too
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  if (wait_until_stopped(store, id, deadline)) return ok();
  // A PID 1 without a SIGTERM handler ignores SIGTERM: SIGKILL is the answer.
  // handout(lifecycle.stop) stub:
  // (void)timeout_s;
  // handout(lifecycle.stop) end
  (void)signal_locked(store, id, SIGKILL);
  thaw_after_signal(id);
  if (wait_until_stopped(store, id, std::chrono::steady_clock::now() + std::chrono::seconds(10))) {
    return ok();
  }
  return user_error("container {} did not stop", id.substr(0, 12));
}

Result<void> remove_locked(StateStore& store, const std::string& id, bool force) {
  auto state = store.load(id);
  if (!state) {
    // Its state cannot be read, so nobody knows whether it runs: only
    // `rm -f` removes it, by what it has whatever its files say.
    if (!force) {
      return user_error("container {} cannot be read ({}): rm -f removes it anyway", id.substr(0, 12),
                        unreadable_reason(store, id, state.error()));
    }
    return remove_unreadable(store, id, state.error());
  }
  if (state.value().status == "running") {
    if (!force) {
      return user_error("container {} is running: stop it first, or use rm -f", id.substr(0, 12));
    }
    (void)signal_locked(store, id, SIGKILL);
    thaw_after_signal(id);
    if (!wait_until_stopped(store, id, std::chrono::steady_clock::now() + std::chrono::seconds(10))) {
      return user_error("container {} did not stop", id.substr(0, 12));
    }
  }
  // A dead container's monitor could not remove its cgroup: do it here
  // (killing whatever is left inside). The path follows from the id, so
  // this works even when pocker was killed before state.json recorded it.
  // Idempotent when it is gone already.
  // Rootless, it is below the top of the delegated cgroup subtree.
  TRY_CTX(remove_container_cgroup(id), "remove the container's cgroup");
  // The monitor may be finishing its own --rm; whoever is second finds nothing.
  auto lock = store.lock(id);
  return store.remove(id);
}

}  // namespace

int start_container(StateStore& store, const std::string& id, bool attach) {
  auto lock = OpLock::take(store, id);
  if (!lock) {
    print_error(lock.error().message());
    return kExitPockerFailed;
  }
  return start_locked(store, id, attach, std::move(lock.value()));
}

int restart_container(StateStore& store, const std::string& id, double timeout_s) {
  // One lock for both halves: nothing gets between the stop and the start.
  auto lock = OpLock::take(store, id);
  auto stopped = lock ? stop_locked(store, id, timeout_s) : Result<void>(std::move(lock).error());
  if (!stopped) {
    print_error(stopped.error().message());
    return kExitPockerFailed;
  }
  return start_locked(store, id, false, std::move(lock.value()));
}

Result<void> kill_container(StateStore& store, const std::string& id, int signal) {
  auto lock = TRY(OpLock::take(store, id));
  return signal_locked(store, id, signal);
}

Result<void> stop_container(StateStore& store, const std::string& id, double timeout_s) {
  auto lock = TRY(OpLock::take(store, id));
  return stop_locked(store, id, timeout_s);
}

Result<int> wait_container(StateStore& store, const std::string& id) {
  while (true) {
    auto state = TRY(store.load(id));
    if (state.status == "exited") return state.exit_code;
    if (state.status == "dead") return user_error("container {} died with its monitor; its exit status is unknown", id.substr(0, 12));
    if (state.status == "created") return state.exit_code;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<void> remove_container(StateStore& store, const std::string& id, bool force) {
  // Works on a half-made directory too: OpLock::take() makes op.lock.
  auto lock = TRY(OpLock::take(store, id));
  return remove_locked(store, id, force);
}

Result<std::string> inspect_container(StateStore& store, const std::string& id) {
  // One line that says which file is wrong; `rm -f` still removes it.
  auto state = TRY_CTX(store.load(id), fmt::format("container {} cannot be read", id.substr(0, 12)));
  auto spec = TRY_CTX(store.load_spec(id), fmt::format("container {} cannot be read", id.substr(0, 12)));
  nlohmann::json j;
  j["Id"] = state.id;
  j["Name"] = state.name;
  j["Created"] = state.created_at;
  // docker's Status is "paused" for a frozen container, and Running stays true.
  const bool paused = state.status == "running" && container_paused(id);
  j["State"] = {{"Status", paused ? std::string("paused") : state.status},
                {"Running", state.status == "running"},
                {"Paused", paused},
                {"Pid", state.pid},
                {"ExitCode", state.exit_code},
                {"OOMKilled", state.oom_killed},
                {"StartedAt", state.started_at},
                {"FinishedAt", state.finished_at}};
  j["Image"] = spec.image;
  j["Config"] = {{"Cmd", spec.process.args},
                 {"Env", spec.process.env},
                 {"WorkingDir", spec.process.cwd},
                 {"User", spec.process.user},
                 {"Hostname", spec.hostname.empty() ? id.substr(0, 12) : spec.hostname}};
  const auto& r = spec.resources;
  j["HostConfig"] = {
      {"NanoCpus", r.cpus ? static_cast<int64_t>(*r.cpus * 1e9) : 0},
      {"Memory", r.memory ? static_cast<int64_t>(*r.memory) : 0},
      {"MemorySwap", r.memory_swap ? *r.memory_swap : 0},
      {"PidsLimit", r.pids_limit ? *r.pids_limit : 0},
      {"CpusetCpus", r.cpuset_cpus.value_or("")},
      {"CpuShares", r.cpu_shares ? static_cast<int64_t>(*r.cpu_shares) : 0},
      {"AutoRemove", spec.remove},
      {"ReadonlyRootfs", spec.read_only},
      {"Init", spec.init},
      {"UsernsMode", spec.userns}};
  // The user namespace's maps as the kernel shows them: "inside outside count".
  for (const auto& [key, maps] : {std::pair{"UidMap", &spec.uid_map}, std::pair{"GidMap", &spec.gid_map}}) {
    j["HostConfig"][key] = nlohmann::json::array();
    for (const auto& m : *maps) j["HostConfig"][key].push_back(fmt::format("{} {} {}", m.inside, m.outside, m.count));
  }
  // As docker shows them, plus what they came to: the capability set the
  // container's root has, the seccomp profile and the device rules.
  const SecuritySpec& sec = spec.security;
  std::vector<std::string> security_opt;
  if (sec.no_new_privileges) security_opt.push_back("no-new-privileges");
  if (sec.seccomp != "default") security_opt.push_back("seccomp=" + sec.seccomp);
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d : sec.devices) {
    devices.push_back({{"PathOnHost", d.host_path},
                       {"PathInContainer", d.container_path},
                       {"CgroupPermissions", d.access}});
  }
  j["HostConfig"]["Privileged"] = sec.privileged;
  j["HostConfig"]["CapAdd"] = sec.cap_add;
  j["HostConfig"]["CapDrop"] = sec.cap_drop;
  j["HostConfig"]["SecurityOpt"] = security_opt;
  j["HostConfig"]["Devices"] = devices;
  j["HostConfig"]["EffectiveCaps"] = capability_names(sec.capabilities);
  j["HostConfig"]["Seccomp"] = sec.seccomp;
  // The rules as config.json keeps them: "allow c 1:3 rwm".
  j["HostConfig"]["DeviceCgroupRules"] = security_to_json(sec).at("device_rules");
  j["HostConfig"]["NetworkMode"] = spec.network;
  // docker's shape: the address at the top, and per network. Empty while
  // it does not run, and with `none` or `host`.
  const ContainerAddress& a = state.address;
  nlohmann::json networks = nlohmann::json::object();
  if (spec.network != "host") {
    networks[spec.network] = {{"IPAddress", a.ip}, {"Gateway", a.gateway}, {"IPPrefixLen", a.prefix_len}};
  } else {
    networks["host"] = {{"IPAddress", ""}, {"Gateway", ""}, {"IPPrefixLen", 0}};
  }
  // docker's shapes: asked for (HostConfig.PortBindings, a host port of
  // 0 shown as ""), and bound while it runs (NetworkSettings.Ports).
  nlohmann::json bindings = nlohmann::json::object();
  for (const PortMapping& m : spec.ports) {
    bindings[container_port_key(m)].push_back(
        {{"HostIp", m.host_ip.value == 0 ? "" : to_string(m.host_ip)},
         {"HostPort", m.host_port == 0 ? "" : std::to_string(m.host_port)}});
  }
  j["HostConfig"]["PortBindings"] = bindings;
  nlohmann::json ports = nlohmann::json::object();
  for (const PortMapping& m : a.ports) {
    ports[container_port_key(m)].push_back(
        {{"HostIp", to_string(m.host_ip)}, {"HostPort", std::to_string(m.host_port)}});
  }
  j["NetworkSettings"] = {{"IPAddress", a.ip}, {"Gateway", a.gateway}, {"IPPrefixLen", a.prefix_len},
                          {"Networks", networks}, {"Ports", ports}};
  j["CgroupPath"] = state.cgroup;
  j["LogPath"] = store.log_path(id);
  return j.dump(2);
}

Result<int> parse_signal(const std::string& text) {
  std::string name = text;
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
    int n = std::atoi(name.c_str());
    if (n > 0 && n < NSIG) return n;
  }
  for (int n = 1; n < NSIG; ++n) {
    const char* abbrev = ::sigabbrev_np(n);
    if (abbrev && name == abbrev) return n;
  }
  return user_error("invalid signal \"{}\"", text);
}

}  // namespace pocker
