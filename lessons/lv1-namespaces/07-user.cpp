// lv1 step 7: the user namespace. Root inside, a normal user outside.
//
//   build/lessons/lv1-07-user                     as your normal user: no sudo!
//   build/lessons/lv1-07-user cat /proc/self/uid_map
//   sudo setpriv --reuid=4242 --regid=4242 --clear-groups build/lessons/lv1-07-user
//
// Man pages: user_namespaces(7), capabilities(7), newuidmap(1), subuid(5).
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

// The line of /proc/PID/status that starts with `key`, such as "Uid:".
std::string status_line(const std::string& pid, const std::string& key) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(key)) continue;
    for (char& c : line) c = c == '\t' ? ' ' : c;  // the file uses tabs
    return line;
  }
  return key + " ?";
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

bool write_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  if (fd >= 0) close(fd);
  std::string shown = text.substr(0, text.size() - 1);  // without the "\n"
  if (ok) {
    std::printf("parent: wrote \"%s\" to %s\n", shown.c_str(), path.c_str());
  } else {
    std::printf("parent: write \"%s\" to %s: %s\n", shown.c_str(), path.c_str(), strerror(err));
  }
  return ok;
}

int child_main(char** command, uid_t outside_uid, int ready_fd, int go_fd) {
  // Our uid has no mapping yet. The kernel shows an unmapped id as the
  // "overflow" id, 65534 (/proc/sys/kernel/overflowuid).
  std::printf("child: before the map: getuid() = %d, getgid() = %d (the overflow id: no map yet)\n",
              getuid(), getgid());
  std::fflush(stdout);
  char byte = 'r';
  if (write(ready_fd, &byte, 1) != 1) return 1;
  // Wait for the parent to write our maps. Without this wait we would run
  // on as "nobody": we could not even create a file (EOVERFLOW).
  if (read(go_fd, &byte, 1) < 0) return 1;

  std::printf("child: after the map: getuid() = %d, getgid() = %d\n", getuid(), getgid());
  std::printf("child: uid_map: %s\n", first_line("/proc/self/uid_map").c_str());
  // All capabilities, but only for things that belong to our user namespace.
  std::printf("child: %s\n", status_line("self", "CapEff:").c_str());

  // Our UTS namespace (clone3 made it together with the user namespace) is
  // owned by our user namespace, so "root" here may rename it.
  const char name[] = "lv1-rootless";
  if (sethostname(name, sizeof name - 1) == 0)
    std::printf("child: sethostname(\"%s\") = ok, in our own UTS namespace\n", name);
  else
    std::printf("child: sethostname: %s\n", strerror(errno));

  // Files belong to the host. For them the kernel uses our uid *outside*.
  int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    std::printf("child: open(\"/etc/shadow\") = ok: outside we are uid %d\n", outside_uid);
    close(fd);
  } else {
    std::printf("child: open(\"/etc/shadow\"): %s: outside we are uid %d\n", strerror(errno),
                outside_uid);
  }

  std::fflush(stdout);
  static char id[] = "id";
  static char* default_command[] = {id, nullptr};
  if (command[0] == nullptr) command = default_command;
  execvp(command[0], command);
  std::printf("child: exec %s: %s\n", command[0], strerror(errno));
  return 127;
}

}  // namespace

int main(int, char** argv) {
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  std::printf("parent: uid %d, gid %d\n", uid, gid);

  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
    std::perror("pipe2");
    return 1;
  }

  struct clone_args args {};
  // CLONE_NEWUSER needs no privilege. The kernel makes the user namespace
  // first, and it owns the other new namespaces, so CLONE_NEWUTS works too.
  args.flags = CLONE_NEWUSER | CLONE_NEWUTS;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("parent: clone3(CLONE_NEWUSER|CLONE_NEWUTS): %s\n", strerror(errno));
    std::printf("parent: are user namespaces allowed? see /proc/sys/user/max_user_namespaces\n");
    return 1;
  }
  if (pid == 0) {
    close(ready[0]);
    close(go[1]);
    int code = child_main(argv + 1, uid, ready[1], go[0]);
    std::fflush(stdout);
    _exit(code);
  }
  close(ready[1]);
  close(go[0]);

  char byte;
  bool mapped = false;
  if (read(ready[0], &byte, 1) != 1) {
    std::printf("parent: the child ended early\n");
  } else {
    // "0 <uid> 1": uid 0 inside is our uid outside, a range of 1 id.
    // Without privilege we may map only our own uid, and only once.
    const std::string proc = "/proc/" + std::to_string(pid);
    mapped = write_file(proc + "/uid_map", "0 " + std::to_string(uid) + " 1\n");
    // Before an unprivileged gid_map: forbid setgroups(2) in the namespace.
    // Else "root" inside could drop a group that is there to *deny* access.
    mapped = mapped && write_file(proc + "/setgroups", "deny\n");
    mapped = mapped && write_file(proc + "/gid_map", "0 " + std::to_string(gid) + " 1\n");
    // The host's view of the child: our own uid, not 0.
    std::printf("parent: the host sees the child as %s\n",
                status_line(std::to_string(pid), "Uid:").c_str());
  }
  std::fflush(stdout);
  close(go[1]);  // the child's read() returns 0: go on

  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("parent: child %ld ended, shell status %d\n", pid, code);
  return mapped ? code : 1;
}
