// `pocker exec [-i] [-t] [-e] [-w] [-u] C COMMAND...`
#include <unistd.h>

#include "commands.hpp"
#include "pocker/control.hpp"
#include "pocker/exec.hpp"
#include "pocker/lifecycle.hpp"
#include "pocker/op_lock.hpp"
#include "pocker/trace.hpp"

extern char** environ;

namespace pocker::cli {

void add_exec(CLI::App& app, const Globals& globals, Handler& handler) {
  struct Flags {
    bool interactive = false, terminal = false, privileged = false;
    std::vector<std::string> env;
    std::string workdir, user;
  };
  auto flags = std::make_shared<Flags>();
  auto* exec = app.add_subcommand("exec", "run a command in a running container");
  exec->prefix_command();  // everything after the container belongs to the command
  exec->add_flag("-i,--interactive", flags->interactive, "keep stdin attached");
  exec->add_flag("-t,--tty", flags->terminal, "allocate a pseudo-terminal");
  exec->add_option("-e,--env", flags->env, "set an environment variable")->allow_extra_args(false);
  exec->add_option("-w,--workdir", flags->workdir, "working directory inside the container");
  exec->add_option("-u,--user", flags->user, "UID[:GID] or NAME[:GROUP] to run as");
  exec->add_flag("--privileged", flags->privileged,
                 "give the command every capability (the container's seccomp profile still applies)");
  exec->callback([&, exec, flags] {
    handler = [&, exec, flags] {
      auto rest = exec->remaining();
      if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-') {
        print_error("exec: unknown flag " + rest[0]);
        return static_cast<int>(kExitPockerFailed);
      }
      if (rest.size() < 2) {
        print_error("exec: usage: pocker exec [OPTIONS] CONTAINER COMMAND [ARG...]");
        return static_cast<int>(kExitPockerFailed);
      }
      StateStore store(globals.root);
      auto id = store.resolve(rest[0]);
      // From the state check until the command runs: a `stop` or `rm` waits,
      // so the set-up never joins a cgroup the monitor is removing.
      auto lock = id ? OpLock::take(store, id.value()) : Result<OpLock>(std::move(id).error());
      if (!lock) {
        print_error(lock.error().message());
        return static_cast<int>(kExitPockerFailed);
      }
      trace_abbreviate(store.dir(id.value()), "$C");
      auto state = store.load(id.value());
      auto spec = store.load_spec(id.value());
      if (!state || !spec) {
        print_error(!state ? state.error().message() : spec.error().message());
        return static_cast<int>(kExitPockerFailed);
      }
      if (state.value().status != "running") {
        print_error(fmt::format("container {} is not running", rest[0]));
        return static_cast<int>(kExitPockerFailed);
      }
      // The new process would join the frozen cgroup and hang there.
      if (container_paused(id.value())) {
        print_error(fmt::format("container {} is paused: unpause it first", rest[0]));
        return static_cast<int>(kExitPockerFailed);
      }
      ProcessSpec process = spec.value().process;
      process.args.assign(rest.begin() + 1, rest.end());
      // The container's environment, then -e on top, as docker does.
      std::vector<std::string> env = process.env;
      for (const auto& e : flags->env) env.push_back(e);
      auto built = build_env(env, environ);
      if (!built) {
        print_error(built.error().message());
        return static_cast<int>(kExitPockerFailed);
      }
      process.env = built.value();
      if (!flags->workdir.empty()) process.cwd = flags->workdir;
      if (!flags->user.empty()) process.user = flags->user;
      process.interactive = flags->interactive;
      process.terminal = flags->terminal;
      if (process.terminal) process.env.push_back("TERM=xterm");
      auto outcome = exec_in_container(state.value().pid, state.value().cgroup, process,
                                       spec.value().security, flags->privileged,
                                       globals.root, [&lock] { lock.value().release(); });
      if (!outcome) {
        print_error(outcome.error().message());
        return static_cast<int>(kExitPockerFailed);
      }
      if (!outcome.value().failure.empty()) print_error(outcome.value().failure);
      return outcome.value().exit_code;
    };
  });
}

}  // namespace pocker::cli
