// security step 3a: seccomp with a filter written by hand.
//
//   build/lessons/security-03-seccomp-raw
//
// A seccomp filter is a small program in classic BPF (struct sock_filter).
// The kernel runs it at every system call and reads its answer: allow,
// fail with an errno, kill. This one makes mkdir(2) and mkdirat(2) fail
// with EPERM and allows everything else. It runs in a child, as uid 65534
// when started as root: a filter never comes off again, and it also works
// without root, after prctl(PR_SET_NO_NEW_PRIVS).
//
// See seccomp(2), Documentation/userspace-api/seccomp_filter.rst, and in
// pocker: pocker/src/security/seccomp_*.cpp (there libseccomp writes the
// program: step 3b).
#include <errno.h>
#include <fcntl.h>  // AT_FDCWD
#include <grp.h>    // setgroups
#include <linux/audit.h>    // AUDIT_ARCH_*
#include <linux/filter.h>   // struct sock_filter, BPF_STMT, BPF_JUMP
#include <linux/seccomp.h>  // struct seccomp_data, SECCOMP_RET_*
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include "lesson-security.hpp"

namespace {

using lesson::errno_text;
using lesson::status_line;

// The filter only sees numbers, and a number means a different call on
// another architecture, so the first check is always the architecture.
#if defined(__x86_64__)
constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kArch = AUDIT_ARCH_AARCH64;
#else
#error "add your architecture's AUDIT_ARCH_ value here"
#endif

// One syscall can have two numbers for one libc function: glibc's mkdir()
// may call mkdir or mkdirat. aarch64 has only mkdirat. A filter that
// forgets one of them is a hole.
#ifdef __NR_mkdir
constexpr uint32_t kMkdir = __NR_mkdir;
#else
constexpr uint32_t kMkdir = __NR_mkdirat;  // checked twice; harmless
#endif

// The filter. Jump offsets count instructions from the *next* one:
// "jt 0, jf 1" means "if true fall through, else skip one".
// (BPF_STMT and BPF_JUMP are macros of <linux/filter.h> that use
// C casts, so we write the structs out.)
constexpr uint16_t kLoadWord = BPF_LD | BPF_W | BPF_ABS;  // A = data[k]
constexpr uint16_t kJumpEq = BPF_JMP | BPF_JEQ | BPF_K;   // if A == k
constexpr uint16_t kJumpGe = BPF_JMP | BPF_JGE | BPF_K;   // if A >= k
constexpr uint16_t kReturn = BPF_RET | BPF_K;             // return k

const sock_filter kFilter[] = {
    /* 0 */ {kLoadWord, 0, 0, offsetof(seccomp_data, arch)},
    /* 1 */ {kJumpEq, 1, 0, kArch},                       // our architecture: go to 3
    /* 2 */ {kReturn, 0, 0, SECCOMP_RET_KILL_PROCESS},    // any other: kill
    /* 3 */ {kLoadWord, 0, 0, offsetof(seccomp_data, nr)},
    // x86_64 has a second ABI, x32, with the same arch value: its numbers
    // have bit 30 set (0x40000000). Refuse them, as docker's profile does.
    /* 4 */ {kJumpGe, 3, 0, 0x40000000},                  // x32: go to 8
    /* 5 */ {kJumpEq, 2, 0, kMkdir},                      // mkdir: go to 8
    /* 6 */ {kJumpEq, 1, 0, __NR_mkdirat},                // mkdirat: go to 8
    /* 7 */ {kReturn, 0, 0, SECCOMP_RET_ALLOW},
    /* 8 */ {kReturn, 0, 0, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)},
};
constexpr unsigned short kFilterLength = sizeof(kFilter) / sizeof(kFilter[0]);

// A constant of the filter, with what it means.
std::string constant_name(unsigned at, uint32_t k) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%x", k);
  if (at == 1) return std::string(hex) + " (our AUDIT_ARCH)";
  if (k == 0x40000000) return std::string(hex) + " (x32)";
  if (k == kMkdir) return std::to_string(k) + " (mkdir)";
  if (k == __NR_mkdirat) return std::to_string(k) + " (mkdirat)";
  return hex;
}

// Prints the filter the way seccomp tools show classic BPF.
void print_filter() {
  for (unsigned short i = 0; i < kFilterLength; ++i) {
    const sock_filter& f = kFilter[i];
    std::printf("  %u: ", i);
    if (f.code == kLoadWord) {
      const char* what = f.k == offsetof(seccomp_data, arch) ? "arch" : "nr";
      std::printf("A = seccomp_data.%s\n", what);
    } else if (f.code == kJumpEq || f.code == kJumpGe) {
      std::printf("if A %s %s goto %u else goto %u\n", f.code == kJumpEq ? "==" : ">=",
                  constant_name(i, f.k).c_str(), i + 1 + f.jt, i + 1 + f.jf);
    } else if (f.code == kReturn) {
      uint32_t action = f.k & SECCOMP_RET_ACTION_FULL;
      if (action == SECCOMP_RET_ALLOW) {
        std::printf("return ALLOW\n");
      } else if (action == SECCOMP_RET_KILL_PROCESS) {
        std::printf("return KILL_PROCESS\n");
      } else {  // ERRNO: the low 16 bits (SECCOMP_RET_DATA) are the errno
        int err = static_cast<int>(f.k & SECCOMP_RET_DATA);
        std::printf("return ERRNO(%s)\n", strerrorname_np(err));
      }
    }
  }
}

// mkdir then rmdir; 0 or the errno of mkdir.
int try_mkdir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) < 0) return errno;
  rmdir(path.c_str());
  return 0;
}

int load_filter() {
  sock_fprog prog{kFilterLength, const_cast<sock_filter*>(kFilter)};
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 0 : errno;
}

int child(const std::string& dir) {
  if (geteuid() == 0) {
    // Become an ordinary user, so we see what a program without
    // CAP_SYS_ADMIN sees. setuid() from 0 also clears the capabilities.
    if (setgroups(0, nullptr) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
      std::printf("child: become 65534: %s\n", strerror(errno));
      return 1;
    }
  }
  std::printf("child: uid %d, %s\n", static_cast<int>(getuid()), status_line("CapEff").c_str());
  std::printf("child: mkdir %s = %s\n", dir.c_str(), errno_text(try_mkdir(dir)).c_str());

  // Without no_new_privs, the kernel refuses the filter: a process could
  // otherwise run a setuid-root program under a filter that makes, say,
  // setuid() "succeed" without doing anything, and trick it into running
  // as root with wrong assumptions. CAP_SYS_ADMIN is the other way in.
  std::printf("child: seccomp(SET_MODE_FILTER) without no_new_privs = %s\n",
              errno_text(load_filter()).c_str());
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    std::printf("child: prctl(PR_SET_NO_NEW_PRIVS): %s\n", strerror(errno));
    return 1;
  }
  std::printf("child: prctl(PR_SET_NO_NEW_PRIVS, 1) = ok\n");
  int loaded = load_filter();
  std::printf("child: seccomp(SET_MODE_FILTER, %u instructions) = %s\n", kFilterLength,
              errno_text(loaded).c_str());
  if (loaded != 0) return 1;
  std::printf("child: %s, %s\n", status_line("Seccomp").c_str(), status_line("NoNewPrivs").c_str());

  std::printf("child: mkdir %s = %s\n", dir.c_str(), errno_text(try_mkdir(dir)).c_str());
  // The raw number, past libc: the same answer.
  long raw = syscall(__NR_mkdirat, AT_FDCWD, dir.c_str(), 0700);
  std::printf("child: syscall(__NR_mkdirat) = %s\n", errno_text(raw == 0 ? 0 : errno).c_str());
  std::printf("child: getpid() = %s\n", getpid() > 0 ? "ok" : "failed");

  // Children inherit the filter, and no one can take it off.
  std::fflush(stdout);
  pid_t grandchild = fork();
  if (grandchild == 0) {
    std::printf("grandchild: mkdir %s = %s\n", dir.c_str(), errno_text(try_mkdir(dir)).c_str());
    std::fflush(stdout);
    _exit(0);
  }
  waitpid(grandchild, nullptr, 0);
  return 0;
}

}  // namespace

int main() {
  std::printf("the filter (%u instructions):\n", kFilterLength);
  print_filter();
  std::string dir = "/tmp/pocker-lesson-seccomp-" + std::to_string(getpid());

  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return 1;
  }
  if (pid == 0) {
    int code = child(dir);
    std::fflush(stdout);
    _exit(code);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // The parent never loaded a filter: its mkdir still works.
  std::printf("parent: %s, mkdir %s = %s\n", status_line("Seccomp").c_str(), dir.c_str(),
              errno_text(try_mkdir(dir)).c_str());
  if (!WIFEXITED(status)) return 1;
  return WEXITSTATUS(status);
}
