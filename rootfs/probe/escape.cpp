// `escape ATTEMPT [ARG...]`: picks the attempt, checks its arity and prints
// its Outcome as the one JSON object of the output contract (escape.h).
#include "escape.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace probe {

namespace escape {

Outcome success(std::string detail) { return Outcome{true, 0, std::move(detail)}; }

Outcome failure(const std::string& step, int err) { return Outcome{false, err, step + ": " + error_text(err)}; }

std::string scratch_dir(const std::string& what) {
  // The pid keeps parallel probes (and exec'd probes in one container) apart.
  const std::string name = ".probe-" + what + "-" + std::to_string(getpid());
  for (const std::string parent : {"/tmp/", "/"}) {
    if (mkdir((parent + name).c_str(), 0700) == 0) return parent + name;
  }
  return "";
}

namespace {

struct Attempt {
  std::string_view name;
  std::string_view synopsis;
  std::size_t min_args, max_args;
  Outcome (*run)(const Args&);
};

constexpr Attempt kAttempts[] = {
    {"mknod-open-disk", "mknod-open-disk MAJ MIN", 2, 2, mknod_open_disk},
    {"mount-disk", "mount-disk MAJ MIN FSTYPE MARKER", 4, 4, mount_disk},
    {"mount-tmpfs", "mount-tmpfs", 0, 0, mount_tmpfs},
    {"umount", "umount PATH", 1, 1, umount_path},
    {"write-file", "write-file PATH", 1, 1, write_file},
    {"read", "read PATH", 1, 1, read_path},
    {"cgroup-mount", "cgroup-mount [OPTIONS]", 0, 1, cgroup_mount},
    {"fds", "fds", 0, 0, fds},
    {"cwd", "cwd", 0, 0, cwd},
    {"finit-module", "finit-module", 0, 0, finit_module},
    {"ptrace", "ptrace PID", 1, 1, ptrace_pid},
    {"add-key", "add-key", 0, 0, add_key},
    {"keyctl", "keyctl", 0, 0, keyctl},
    {"unshare-user", "unshare-user", 0, 0, unshare_user},
    {"clone-newns", "clone-newns", 0, 0, clone_newns},
    {"clone3", "clone3", 0, 0, clone3},
    {"packet-socket", "packet-socket", 0, 0, packet_socket},
    {"tiocsti", "tiocsti", 0, 0, tiocsti},
    {"caps", "caps", 0, 0, caps},
    {"proc-exe-watch", "proc-exe-watch SECONDS", 1, 1, proc_exe_watch},
};

}  // namespace

}  // namespace escape

int cmd_escape(const Args& args) {
  const std::string& name = args[0];
  for (const escape::Attempt& attempt : escape::kAttempts) {
    if (attempt.name != name) continue;
    Args rest(args.begin() + 1, args.end());
    if (rest.size() < attempt.min_args || rest.size() > attempt.max_args) {
      usage_error("usage: pocker-probe escape " + std::string(attempt.synopsis));
    }
    const escape::Outcome outcome = attempt.run(rest);
    json out = {{"attempt", name},
                {"ok", outcome.ok},
                {"errno", outcome.ok || outcome.err == 0 ? json(nullptr) : json(errno_name(outcome.err))},
                {"detail", outcome.detail}};
    out.update(outcome.extra);
    print_json(out);
    // A blocked attempt is a result, not a failure of the probe: exit 0.
    return 0;
  }
  std::string known;
  for (const escape::Attempt& attempt : escape::kAttempts) known += "\n  " + std::string(attempt.synopsis);
  usage_error("unknown attempt '" + name + "'; attempts:" + known);
}

}  // namespace probe
