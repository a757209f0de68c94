// security step 1: capabilities, root's power in pieces.
//
//   build/lessons/security-01-capabilities
//
// 1. Reads the Cap* lines of /proc/self/status and decodes them to names.
// 2. As root: a child drops CAP_SYS_ADMIN from its bounding, permitted and
//    effective sets with the raw system calls (prctl and capset), and
//    mount(2) of a tmpfs, which worked a moment before, fails with EPERM.
// 3. Prints pocker's default set: the 14 capabilities docker keeps.
//
// See capabilities(7). pocker does this in pocker/src/security/capabilities.cpp.
#include <errno.h>
#include <linux/capability.h>  // the kernel's structs for capget/capset (not libcap)
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "pocker/capabilities.hpp"
#include "lesson-security.hpp"

namespace {

using lesson::errno_text;

// The value of one "CapXxx:" line of /proc/self/status (hex), or 0.
uint64_t status_caps(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1), nullptr, 16);
  }
  return 0;
}

// Names, several to a line, so a set of 40 fits on a screen.
void print_names(const char* title, uint64_t caps) {
  std::vector<std::string> names = pocker::capability_names(caps);
  std::printf("%s (%zu):", title, names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    std::printf("%s%s", i % 6 == 0 ? "\n    " : " ", names[i].c_str());
  }
  std::printf("\n");
}

// capget(2) and capset(2) have no glibc wrapper: libcap wraps them, but
// here we call the kernel directly to see what really happens.
// Version 3 of the interface uses two 32-bit words per set, so one set
// of 64 bits is data[0] (capabilities 0..31) plus data[1] (32..63).
struct CapState {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};  // pid 0: this thread
  __user_cap_data_struct data[2]{};
};

bool cap_get(CapState& s) { return syscall(SYS_capget, &s.header, s.data) == 0; }
bool cap_set(CapState& s) { return syscall(SYS_capset, &s.header, s.data) == 0; }

void clear_bit(CapState& s, int cap) {
  uint32_t mask = ~(1u << (cap % 32));
  s.data[cap / 32].effective &= mask;
  s.data[cap / 32].permitted &= mask;
  s.data[cap / 32].inheritable &= mask;
}

// mount(2) a tmpfs on `dir`; 0 on success, else errno. On success it is
// unmounted again at once.
int try_mount(const std::string& dir) {
  if (mount("lesson", dir.c_str(), "tmpfs", 0, "size=64k") < 0) return errno;
  umount2(dir.c_str(), 0);
  return 0;
}

// The child: a private mount namespace (so nothing it mounts reaches the
// host), then the drop. Returns the exit status.
int drop_sys_admin_child() {
  // Made while we still have CAP_SYS_ADMIN: unshare(CLONE_NEWNS) needs it too.
  if (unshare(CLONE_NEWNS) < 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    std::printf("child: private mount namespace: %s\n", strerror(errno));
    return 1;
  }
  char dir_template[] = "/tmp/pocker-lesson-caps-XXXXXX";
  if (!mkdtemp(dir_template)) {
    std::printf("child: mkdtemp: %s\n", strerror(errno));
    return 1;
  }
  std::string dir = dir_template;
  std::printf("child: mount tmpfs on %s with CAP_SYS_ADMIN = %s\n", dir.c_str(),
              errno_text(try_mount(dir)).c_str());

  // 1. The bounding set: the ceiling for every later execve. Dropping from it
  //    needs CAP_SETPCAP, and it can never be raised again.
  if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) < 0) {
    std::printf("child: prctl(PR_CAPBSET_DROP): %s\n", strerror(errno));
    rmdir(dir.c_str());
    return 1;
  }
  std::printf("child: prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) = ok\n");
  // The bounding set limits what a later execve can give. The running
  // process still holds CAP_SYS_ADMIN in its effective set:
  std::printf("child: mount tmpfs after the bounding drop = %s\n",
              errno_text(try_mount(dir)).c_str());

  // 2. Permitted and effective: what this process may use now. The bounding
  //    set alone did not take the capability away, as the mount above showed.
  CapState s;
  if (!cap_get(s)) {
    std::printf("child: capget: %s\n", strerror(errno));
    rmdir(dir.c_str());
    return 1;
  }
  clear_bit(s, CAP_SYS_ADMIN);
  if (!cap_set(s)) {
    std::printf("child: capset: %s\n", strerror(errno));
    rmdir(dir.c_str());
    return 1;
  }
  std::printf("child: capset(permitted and effective without CAP_SYS_ADMIN) = ok\n");
  std::printf("child: CapBnd %016" PRIx64 "  CapPrm %016" PRIx64 "  CapEff %016" PRIx64 "\n",
              status_caps("CapBnd"), status_caps("CapPrm"), status_caps("CapEff"));

  // Still uid 0, but the kernel checks the capability, not the uid.
  std::printf("child: uid %d, mount tmpfs on %s without CAP_SYS_ADMIN = %s\n",
              static_cast<int>(getuid()), dir.c_str(), errno_text(try_mount(dir)).c_str());

  // Permitted can only shrink: asking for CAP_SYS_ADMIN back fails.
  s.data[CAP_SYS_ADMIN / 32].permitted |= 1u << (CAP_SYS_ADMIN % 32);
  s.data[CAP_SYS_ADMIN / 32].effective |= 1u << (CAP_SYS_ADMIN % 32);
  std::printf("child: capset(CAP_SYS_ADMIN back) = %s\n",
              errno_text(cap_set(s) ? 0 : errno).c_str());

  // rmdir needs no capability, only write access to /tmp.
  if (rmdir(dir.c_str()) < 0) std::printf("rmdir %s: %s\n", dir.c_str(), strerror(errno));
  return 0;
}

}  // namespace

int main() {
  // --- 1. what this process holds -------------------------------------------
  int last = pocker::last_capability();
  std::printf("this kernel knows capabilities 0..%d (/proc/sys/kernel/cap_last_cap)\n", last);
  for (const char* key : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    std::printf("%s: %016" PRIx64 "\n", key, status_caps(key));
  }
  uint64_t eff = status_caps("CapEff");
  print_names("CapEff holds", eff);
  uint64_t missing = pocker::all_capabilities() & ~eff;
  if (missing == 0) {
    std::printf("CapEff lacks: nothing\n");
  } else {
    print_names("CapEff lacks", missing);
  }

  // --- 2. drop one capability, and see the kernel refuse ---------------------
  if (geteuid() != 0) {
    std::printf("not root: skipping the CAP_SYS_ADMIN demo (run as root)\n");
  } else {
    std::fflush(stdout);  // or the child prints our buffered text again
    pid_t pid = fork();
    if (pid < 0) {
      std::perror("fork");
      return 1;
    }
    if (pid == 0) {
      int code = drop_sys_admin_child();
      std::fflush(stdout);
      _exit(code);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
    // The parent kept everything: capabilities belong to one process.
    std::printf("parent: CapEff %016" PRIx64 " (unchanged)\n", status_caps("CapEff"));
  }

  // --- 3. what pocker keeps --------------------------------------------------
  uint64_t keep = pocker::default_capabilities();
  std::printf("pocker's default set: %016" PRIx64 "\n", keep);
  print_names("pocker keeps", keep);
  std::printf("pocker drops %zu, among them CAP_SYS_ADMIN: %s\n",
              pocker::capability_names(pocker::all_capabilities() & ~keep).size(),
              (keep >> CAP_SYS_ADMIN) & 1 ? "no" : "yes");
  return 0;
}
