// lv1 step 3: a mount namespace, and pivot_root into a root file system.
//
//   sudo build/lessons/lv1-03-pivot-root build/rootfs/busybox-rootfs
//   sudo build/lessons/lv1-03-pivot-root build/rootfs/busybox-rootfs /bin/sh -c 'ls /'
//   sudo build/lessons/lv1-03-pivot-root --shared build/rootfs/busybox-rootfs   fails: EINVAL
//
// The child sees the image as `/`, read-only, with its own /proc. It never
// writes into ROOTFS, and no mount is visible on the host.
// Needs root. Man pages: mount_namespaces(7), pivot_root(2), mount(2),
// umount(2), proc(5) (/proc/PID/mountinfo).
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>  // realpath
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>  // PATH_MAX
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

// One line of /proc/self/mountinfo looks like this (proc(5)):
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw
// The fields after the options and before "-" say how the mount propagates.
// "shared:N": mounts and unmounts below it are copied to its peers (which
// can be in other mount namespaces). No such field: the mount is private.
std::string propagation_of(const std::string& mount_point) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line, result = "not mounted";
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point, options, field, tags;
    fields >> id >> parent >> dev >> root >> point >> options;
    if (point != mount_point) continue;
    while (fields >> field && field != "-") tags += (tags.empty() ? "" : " ") + field;
    result = tags.empty() ? "private" : tags;  // the last mount on this point wins
  }
  return result;
}

int fail(const char* what) {
  int err = errno;
  std::printf("child: %s: %s\n", what, strerror(err));
  if (err == EINVAL && std::string(what).starts_with("pivot_root"))
    std::printf("child: pivot_root refuses to work when the mounts are shared\n");
  return 125;  // like docker: the container could not start
}

int child_main(const char* rootfs, bool keep_shared, char** command) {
  // A new mount namespace starts with a *copy* of the host's mount table.
  std::printf("child: / propagation as copied from the host: %s\n", propagation_of("/").c_str());

  if (keep_shared) {
    // Only for the demonstration: systemd makes every mount shared at boot,
    // and pivot_root fails then. To show it on any host, without touching
    // the host: private first (no more peers on the host), then shared again
    // (new peer groups, only inside this namespace).
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
      return fail("make / private");
    if (mount(nullptr, "/", nullptr, MS_REC | MS_SHARED, nullptr) < 0) return fail("make / shared");
    std::printf("child: --shared: / is now %s (like on a systemd host)\n",
                propagation_of("/").c_str());
  } else {
    // Step 1: make every mount private, recursively (MS_REC). From now on
    // nothing we mount or unmount travels back to the host.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
      return fail("make / private");
    std::printf("child: mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE) = ok, / is now %s\n",
                propagation_of("/").c_str());
  }

  // Step 2: pivot_root needs the new root to be a mount point. A directory
  // becomes one when we bind-mount it onto itself.
  if (mount(rootfs, rootfs, nullptr, MS_BIND | MS_REC, nullptr) < 0) return fail("bind rootfs");
  // A bind mount ignores MS_RDONLY. Making it read-only takes a second call.
  // Read-only: other programs use this directory too, and we must not change
  // it. (pocker puts a writable overlay on top instead; see below.)
  if (mount(nullptr, rootfs, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) < 0)
    return fail("make rootfs read-only");
  std::printf("child: bind-mounted %s onto itself, read-only (%s)\n", rootfs,
              propagation_of(rootfs).c_str());

  // Step 3: swap the roots. pivot_root(new_root, put_old) makes new_root our
  // `/` and moves the old `/` to put_old. With ".", "." the old root is put
  // on top of the new one, at "/" ...
  if (chdir(rootfs) < 0) return fail("chdir rootfs");
  if (syscall(SYS_pivot_root, ".", ".") < 0) return fail("pivot_root(\".\", \".\")");
  std::printf("child: pivot_root(\".\", \".\") = ok\n");
  // ... where one umount2 removes it. MNT_DETACH: do it now, even though the
  // old root is still in use (our own program file lives there).
  if (umount2(".", MNT_DETACH) < 0) return fail("umount2(\".\", MNT_DETACH)");
  std::printf("child: umount2(\".\", MNT_DETACH) = ok: the host's files are gone\n");
  if (chdir("/") < 0) return fail("chdir /");

  // Step 4: a /proc for our PID namespace (step 2).
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0)
    return fail("mount /proc");

  std::fflush(stdout);
  execv(command[0], command);  // a path inside the new root
  std::printf("child: exec %s: %s\n", command[0], strerror(errno));
  return 127;
}

// How many lines of the host's mount table mention `path`.
int host_mounts_of(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.find(path) != std::string::npos) ++count;
  }
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  bool keep_shared = argc > 1 && std::string(argv[1]) == "--shared";
  if (keep_shared) ++first;
  if (argc <= first) {
    std::fprintf(stderr, "usage: %s [--shared] ROOTFS [COMMAND [ARG...]]\n", argv[0]);
    return 2;
  }
  // mountinfo shows full paths, so we need the full path to compare.
  char rootfs[PATH_MAX];
  if (!realpath(argv[first], rootfs)) {
    std::printf("parent: %s: %s\n", argv[first], strerror(errno));
    return 2;
  }
  static char sh[] = "/bin/sh", dash_c[] = "-c", script[] = "cat /proc/self/mountinfo";
  static char* default_command[] = {sh, dash_c, script, nullptr};
  char** command = argc > first + 1 ? argv + first + 1 : default_command;

  // Closed on exec (O_CLOEXEC) or exit: then our read() returns 0. The same
  // trick as lv0 step 4, without messages.
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) < 0) {
    std::perror("pipe2");
    return 1;
  }

  struct clone_args args {};
  args.flags = CLONE_NEWNS | CLONE_NEWPID;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("parent: clone3(CLONE_NEWNS|CLONE_NEWPID): %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    close(sync[0]);
    int code = child_main(rootfs, keep_shared, command);
    std::fflush(stdout);
    _exit(code);
  }
  close(sync[1]);

  char byte;
  while (read(sync[0], &byte, 1) > 0) {
  }
  // The child has made all its mounts, and runs the command (or has failed).
  std::printf("parent: the host's mount table has %d mounts of %s\n", host_mounts_of(rootfs),
              rootfs);
  std::fflush(stdout);

  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("parent: child %ld ended, shell status %d\n", pid, code);
  return code;
}
