// Entry point of pocker-probe: picks the command, checks how many arguments
// it got, and runs it. See probe.h for the output contract.
#include "probe.h"

#include <cstdint>
#include <cstdio>
#include <exception>

namespace {

constexpr std::size_t kAny = SIZE_MAX;

struct Command {
  std::string_view name;
  std::string_view synopsis;  // used by --help and in usage errors
  std::size_t min_args;
  std::size_t max_args;
  int (*run)(const probe::Args&);
};

// `report` is absent here because it needs the whole argv; main() handles it.
constexpr Command kCommands[] = {
    {"args", "args ARG...", 0, kAny, probe::cmd_args},
    {"env", "env", 0, 0, probe::cmd_env},
    {"exit", "exit N", 1, 1, probe::cmd_exit},
    {"kill", "kill SIGNAME|NUM", 1, 1, probe::cmd_kill},
    {"segv", "segv", 0, 0, probe::cmd_segv},
    {"alloc", "alloc BYTES[k|m|g]", 1, 1, probe::cmd_alloc},
    {"burn", "burn SECONDS [THREADS]", 1, 2, probe::cmd_burn},
    {"fork", "fork N", 1, 1, probe::cmd_fork},
    {"breakout", "breakout MARKER_PATH", 1, 1, probe::cmd_breakout},
    {"shm-create", "shm-create KEY", 1, 1, probe::cmd_shm_create},
    {"shm-find", "shm-find KEY", 1, 1, probe::cmd_shm_find},
    {"sleep", "sleep SECONDS", 1, 1, probe::cmd_sleep},
    {"write", "write PATH TEXT", 2, 2, probe::cmd_write},
    {"cat", "cat PATH", 1, 1, probe::cmd_cat},
    {"escape", "escape ATTEMPT [ARG...]", 1, kAny, probe::cmd_escape},
};

constexpr const char* kHelp = R"(usage: pocker-probe [COMMAND [ARG...]]

Runs inside a container and prints what it finds as one JSON object per line.

commands:
  report                  everything: ids, namespaces, cgroup limits, caps,
                          mounts, interfaces, environment (the default)
  args ARG...             {"argv": [ARG...]}
  env                     {"env": {...}}
  exit N                  exit with status N, print nothing
  kill SIGNAME|NUM        raise the signal on itself; report if it survived
  segv                    write through a null pointer
  alloc BYTES[k|m|g]      map and touch BYTES of memory, 1 MiB at a time
  burn SECONDS [THREADS]  spin THREADS busy threads; report CPU time used
  fork N                  fork N sleeping children, count successes, reap
  breakout MARKER_PATH    try the chroot escape; report if MARKER_PATH shows
  shm-create KEY          create a System V shared memory segment
  shm-find KEY            look a segment up by key
  sleep SECONDS           sleep; on SIGTERM print {"signal":"TERM"}
  write PATH TEXT         create/truncate PATH with TEXT
  cat PATH                print PATH's content, or why it cannot be read
  escape ATTEMPT [ARG...] try one step of a container escape and report
                          {"attempt","ok","errno","detail",...}; attempts:
                          mknod-open-disk MAJ MIN, mount-disk MAJ MIN FSTYPE
                          MARKER, mount-tmpfs, umount PATH, write-file PATH,
                          read PATH, cgroup-mount [OPTIONS], fds, cwd,
                          finit-module, ptrace PID, add-key, keyctl,
                          unshare-user, clone-newns, clone3, packet-socket,
                          tiocsti, caps, proc-exe-watch SECONDS
  --help                  this text

Bad usage exits 2 with a message on stderr.
)";

int run(int argc, char** argv) {
  probe::Args all(argv, argv + argc);
  if (argc < 2) return probe::cmd_report(all);

  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    std::fputs(kHelp, stdout);
    return 0;
  }
  // Extra words after `report` are allowed; they just show up in "argv".
  if (name == "report") return probe::cmd_report(all);

  for (const Command& command : kCommands) {
    if (command.name != name) continue;
    probe::Args rest(argv + 2, argv + argc);
    if (rest.size() < command.min_args || rest.size() > command.max_args) {
      probe::usage_error("usage: pocker-probe " + std::string(command.synopsis));
    }
    return command.run(rest);
  }
  probe::usage_error("unknown command '" + std::string(name) + "' (try --help)");
}

}  // namespace

int main(int argc, char** argv) {
  // Exceptions are only expected from allocation failures inside the JSON
  // library; turn them into a message and exit 1 rather than an abort. No
  // exception is ever thrown in a forked child: it only calls pause/_exit.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pocker-probe: internal error: %s\n", e.what());
    return 1;
  }
}
