// lv1 step 7, part 2: root's user namespace. Root inside, uid 100000 outside.
//
//   sudo build/lessons/lv1-07-remap build/rootfs/busybox-rootfs
//
// Run as root. It maps uids 0..65535 inside to 100000..165535 outside, shows
// what the child must do to become root in there, where its files land on
// the host, and how an idmapped mount lets it own an image that belongs to
// host root.
//
// Man pages: user_namespaces(7), setresuid(2), open_tree(2), mount_setattr(2).
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace {

constexpr unsigned kOutside = 100000;  // root inside is this uid outside
constexpr unsigned kCount = 65536;     // how many ids the map holds

bool write_map(const std::string& path) {
  std::string text = "0 " + std::to_string(kOutside) + " " + std::to_string(kCount) + "\n";
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  if (fd >= 0) close(fd);
  text.pop_back();
  if (ok) std::printf("parent: wrote \"%s\" to %s\n", text.c_str(), path.c_str());
  else std::printf("parent: write \"%s\" to %s: %s\n", text.c_str(), path.c_str(), strerror(err));
  return ok;
}

// Who owns `path`, as the calling process sees it (-1 when stat fails).
long owner(int dir_fd, const std::string& path) {
  struct stat st {};
  if (fstatat(dir_fd, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  return st.st_uid;
}

void try_create(const std::string& path, const char* when) {
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::printf("child: %s: open(\"%s\", O_CREAT): %s\n", when, path.c_str(), strerror(errno));
    return;
  }
  close(fd);
  std::printf("child: %s: created %s\n", when, path.c_str());
}

int child_main(const std::string& image, const std::string& share, int go_fd) {
  char byte;
  if (read(go_fd, &byte, 1) < 0) return 1;  // wait for the maps
  // The map is written, but we are still host uid 0, and 0 is not in it.
  std::printf("child: before setresuid: getuid() = %d (host root has no number in here)\n", getuid());
  // The image belongs to host root: in here, that owner is nobody.
  std::printf("child: stat(\"%s/bin/busybox\"): owner %ld\n", image.c_str(),
              owner(AT_FDCWD, image + "/bin/busybox"));
  // Still host root for the host's files: this one will belong to uid 0.
  try_create(share + "/made-before", "before setresuid");

  // Become the namespace's uid 0, which is 100000 outside. Groups first:
  // host root's supplementary groups are not in the map either.
  if (setresgid(0, 0, 0) < 0 || setgroups(0, nullptr) < 0 || setresuid(0, 0, 0) < 0) {
    std::printf("child: setresgid/setgroups/setresuid: %s\n", strerror(errno));
    return 1;
  }
  std::printf("child: setresgid, setgroups, setresuid(0, 0, 0) = ok: getuid() = %d\n", getuid());
  try_create(share + "/made-inside", "after setresuid");
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s IMAGE_DIR   (as root)\n", argv[0]);
    return 2;
  }
  const std::string image = argv[1];
  // A directory on the host for the child to write in, like a -v volume.
  // It belongs to 100000: the container's root, seen from outside.
  char share_template[] = "/tmp/lv1-remap.XXXXXX";
  if (mkdtemp(share_template) == nullptr || chown(share_template, kOutside, kOutside) < 0) {
    std::perror("mkdtemp or chown");
    return 1;
  }
  const std::string share = share_template;

  int go[2];
  if (pipe2(go, O_CLOEXEC) < 0) return 1;
  struct clone_args args {};
  args.flags = CLONE_NEWUSER;
  args.exit_signal = SIGCHLD;
  std::fflush(stdout);
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::printf("parent: clone3(CLONE_NEWUSER): %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    close(go[1]);
    _exit(child_main(image, share, go[0]));
  }
  close(go[0]);

  // Root may write a map of many ids, and of ids that are not its own:
  // no newuidmap, no /etc/subuid, and no "deny" to setgroups needed.
  const std::string proc = "/proc/" + std::to_string(pid);
  bool mapped = write_map(proc + "/uid_map") && write_map(proc + "/gid_map");

  // The image belongs to host root. An idmapped mount shows it through
  // the child's map: on-disk uid 0 counts as the namespace's uid 0, which
  // is 100000 on the host. pocker gives this view to overlayfs as the
  // lower layer, so root in the container owns the image.
  std::printf("parent: stat(\"%s/bin/busybox\"): owner %ld\n", image.c_str(),
              owner(AT_FDCWD, image + "/bin/busybox"));
  int tree = static_cast<int>(
      syscall(SYS_open_tree, AT_FDCWD, image.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  int userns = open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<unsigned>(userns);
  if (tree < 0 || userns < 0 ||
      syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
    std::printf("parent: idmapped mount: %s (needs Linux 5.12 and ext4, xfs, btrfs ...)\n",
                strerror(errno));
  } else {
    std::printf("parent: through the idmapped mount: owner %ld\n", owner(tree, "bin/busybox"));
  }
  if (tree >= 0) close(tree);  // it was never attached: closing it removes it
  if (userns >= 0) close(userns);
  std::fflush(stdout);
  close(go[1]);  // let the child go on

  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
  }
  for (const char* name : {"made-before", "made-inside"}) {
    long made = owner(AT_FDCWD, share + "/" + name);
    if (made >= 0) std::printf("parent: %s/%s belongs to uid %ld on the host\n", share.c_str(), name, made);
  }
  unlink((share + "/made-inside").c_str());
  unlink((share + "/made-before").c_str());
  rmdir(share.c_str());
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("parent: child %ld ended, shell status %d\n", pid, code);
  return mapped ? code : 1;
}
