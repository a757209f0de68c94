// lv1 step 8: the cgroup namespace. The container's cgroup looks like "/".
//
//   sudo build/lessons/lv1-08-cgroupns
//   sudo build/lessons/lv1-08-cgroupns cat /proc/self/cgroup
//
// Makes a cgroup pocker-lesson-<pid> for the demonstration and always removes
// it again. Needs root (to make a cgroup, and for CLONE_NEWCGROUP).
// Man pages: cgroup_namespaces(7), cgroups(7), unshare(2), statfs(2).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>  // CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>  // statfs
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

// Where we may make a cgroup, best first. On a cgroup v2 system the whole
// tree is /sys/fs/cgroup. A "hybrid" system (cgroup v1 controllers, with
// systemd) has v2 at /sys/fs/cgroup/unified and one v1 tree per controller.
struct Hierarchy {
  const char* dir;
  long magic;          // what statfs says is mounted there
  const char* prefix;  // the start of its line in /proc/PID/cgroup
};
constexpr Hierarchy kHierarchies[] = {
    {"/sys/fs/cgroup", CGROUP2_SUPER_MAGIC, "0::"},
    {"/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC, "0::"},
    {"/sys/fs/cgroup/pids", CGROUP_SUPER_MAGIC, ":pids:"},
};

// The line for one hierarchy in /proc/PID/cgroup, such as "0::/user.slice".
std::string cgroup_line(const std::string& pid, const char* prefix) {
  std::ifstream in("/proc/" + pid + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(prefix) != std::string::npos) return line;
  }
  return "?";
}

// Removes a cgroup. It must have no processes left; just after the last one
// ended the kernel may still say EBUSY for a moment, so try a few times.
bool remove_cgroup(const std::string& path) {
  for (int i = 0; i < 50; ++i) {
    if (rmdir(path.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) break;
    usleep(20000);
  }
  std::printf("parent: rmdir %s: %s\n", path.c_str(), strerror(errno));
  return false;
}

// A run that was killed (kill -9, a test timeout) could not clean up: remove
// the cgroups of lesson runs whose process no longer exists.
void remove_stale(const std::string& dir) {
  DIR* entries = opendir(dir.c_str());
  if (!entries) return;
  while (dirent* entry = readdir(entries)) {
    int pid = 0;
    if (std::sscanf(entry->d_name, "pocker-lesson-%d", &pid) != 1 || pid <= 0) continue;
    if (kill(pid, 0) < 0 && errno == ESRCH) remove_cgroup(dir + "/" + entry->d_name);
  }
  closedir(entries);
}

int child_main(const std::string& cgroup, const char* prefix, char** command, int ready_fd,
               int go_fd) {
  // 1. Move ourselves into the new cgroup.
  std::string procs = cgroup + "/cgroup.procs";
  std::string me = std::to_string(getpid());
  int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, me.data(), me.size()) < 0) {
    std::printf("child: write %s: %s\n", procs.c_str(), strerror(errno));
    return 1;
  }
  close(fd);
  std::printf("child: before unshare: %s\n", cgroup_line("self", prefix).c_str());

  // 2. A new cgroup namespace. Its root is the cgroup we are in *now*: this
  //    is why pocker unshares only after the parent moved it into its cgroup.
  if (unshare(CLONE_NEWCGROUP) < 0) {
    std::printf("child: unshare(CLONE_NEWCGROUP): %s\n", strerror(errno));
    return 1;
  }
  std::printf("child: after unshare:  %s\n", cgroup_line("self", prefix).c_str());
  // Paths above our root still exist. They are shown relative to it.
  std::printf("child: our parent process, seen from inside: %s\n",
              cgroup_line(std::to_string(getppid()), prefix).c_str());

  std::fflush(stdout);
  char byte = 'r';
  if (write(ready_fd, &byte, 1) != 1) return 1;
  if (read(go_fd, &byte, 1) < 0) return 1;

  if (command[0] == nullptr) return 0;
  execvp(command[0], command);
  std::printf("child: exec %s: %s\n", command[0], strerror(errno));
  return 127;
}

}  // namespace

int main(int, char** argv) {
  // Find a cgroup hierarchy where we can make a cgroup, and make one.
  std::string cgroup;
  const char* prefix = nullptr;
  for (const Hierarchy& h : kHierarchies) {
    struct statfs fs {};
    if (statfs(h.dir, &fs) < 0 || fs.f_type != h.magic) continue;
    remove_stale(h.dir);
    std::string path = std::string(h.dir) + "/pocker-lesson-" + std::to_string(getpid());
    if (mkdir(path.c_str(), 0755) < 0) {
      std::printf("parent: mkdir %s: %s\n", path.c_str(), strerror(errno));
      continue;
    }
    cgroup = path;
    prefix = h.prefix;
    break;
  }
  if (cgroup.empty()) {
    std::printf("parent: found no cgroup hierarchy where we may make a cgroup (root?)\n");
    return 1;
  }
  std::printf("parent: made cgroup %s\n", cgroup.c_str());
  std::printf("parent: our own cgroup: %s\n", cgroup_line("self", prefix).c_str());

  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
    std::perror("pipe2");
    remove_cgroup(cgroup);
    return 1;
  }
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    remove_cgroup(cgroup);
    return 1;
  }
  if (pid == 0) {
    close(ready[0]);
    close(go[1]);
    int code = child_main(cgroup, prefix, argv + 1, ready[1], go[0]);
    std::fflush(stdout);
    _exit(code);
  }
  close(ready[1]);
  close(go[0]);

  char byte;
  if (read(ready[0], &byte, 1) == 1) {
    // The host sees the full path, as always.
    std::printf("parent: the child, seen from the host: %s\n",
                cgroup_line(std::to_string(pid), prefix).c_str());
  }
  std::fflush(stdout);
  close(go[1]);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      break;
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("parent: child %d ended, shell status %d\n", pid, code);
  // The child was the only process in the cgroup. Now it is empty, and an
  // empty cgroup can be removed with rmdir (not rm -r: its files are not real).
  if (!remove_cgroup(cgroup)) return 1;
  std::printf("parent: removed %s\n", cgroup.c_str());
  return code;
}
