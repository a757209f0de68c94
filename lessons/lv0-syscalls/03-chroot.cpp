// lv0 step 3: chroot, a process with a different `/`.
//
//   build/lessons/lv0-03-chroot build/rootfs/busybox-rootfs             runs: /bin/sh -c 'ls /'
//   build/lessons/lv0-03-chroot build/rootfs/busybox-rootfs /bin/sh -c 'cat /etc/hostname'
//
// The directory is the busybox image that the build unpacks (target busybox-image).
// Needs root: chroot(2) needs CAP_SYS_CHROOT.
// Man pages: chroot(2), chdir(2), getcwd(3), path_resolution(7).
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ROOTFS [COMMAND [ARG...]]\n", argv[0]);
    return 2;
  }
  const char* rootfs = argv[1];
  // argv is NULL-terminated, so argv + 2 is the command (see step 1).
  static char sh[] = "/bin/sh", dash_c[] = "-c", script[] = "ls /";
  static char* default_command[] = {sh, dash_c, script, nullptr};
  char** command = argc > 2 ? argv + 2 : default_command;

  std::fflush(stdout);  // see step 1: fork copies stdio's buffer
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return 1;
  }

  if (pid == 0) {
    // chroot changes one thing: where *this* process (and the children it
    // makes later) starts when it resolves a path that begins with `/`.
    // Nothing is copied or mounted. The parent's `/` does not change.
    if (chroot(rootfs) < 0) {
      std::printf("child: chroot %s: %s%s\n", rootfs, strerror(errno),
                  errno == EPERM ? " (chroot needs root)" : "");
      std::fflush(stdout);
      _exit(125);  // like docker: 125 means "failed before the command ran"
    }

    // chroot does NOT change the working directory. It is still the directory
    // we were started in, which is outside the new root. Linux cannot even
    // name it any more, so getcwd() fails (or, on old systems, returns a path
    // that starts with "(unreachable)").
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd))
      std::printf("child: after chroot, cwd is %s\n", cwd);
    else
      std::printf("child: after chroot, getcwd() fails: %s (cwd is outside the new root)\n",
                  strerror(errno));

    // So we move into the new root. Without this, a relative path such as
    // "../../etc/passwd" would still reach the host's files: that is the
    // first step of the classic chroot escape (lesson lv1 shows the rest).
    if (chdir("/") < 0) {
      std::printf("child: chdir /: %s\n", strerror(errno));
      std::fflush(stdout);
      _exit(125);
    }
    if (getcwd(cwd, sizeof cwd)) std::printf("child: after chdir(\"/\"), cwd is %s\n", cwd);
    std::fflush(stdout);  // exec throws away our memory, stdio buffer included

    // The program is now looked up inside the new root: "/bin/sh" is
    // ROOTFS/bin/sh, which is busybox here, not the host's shell.
    // (execvp searches our PATH, which we inherited from the host. pocker
    // uses the container's own PATH instead: see step 4.)
    execvp(command[0], command);
    int err = errno;
    std::printf("child: exec %s: %s\n", command[0], strerror(err));
    std::fflush(stdout);
    _exit(err == ENOENT ? 127 : 126);
  }

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("parent: child %d ended with shell status %d\n", pid, code);
  return code;
}
