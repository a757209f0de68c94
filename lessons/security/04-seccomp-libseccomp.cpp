// security step 3b: the same filter with libseccomp, then pocker's profile.
//
//   build/lessons/security-04-seccomp-libseccomp
//
// Step 3a wrote nine instructions by hand. libseccomp writes them for us
// from rules ("mkdir: ERRNO(EPERM)"), knows every architecture's numbers,
// and checks the architecture itself. pocker's default profile has about
// 360 names, some with argument checks: nobody writes that by hand.
//
// 1. seccomp_init, seccomp_rule_add, seccomp_export_pfc (the program as
//    text), then seccomp_load in a child: mkdir fails with EPERM.
// 2. pocker's default profile: parse_seccomp_profile and compile_seccomp,
//    and how many rules and instructions it has.
//
// See seccomp_init(3), seccomp_rule_add(3), seccomp_export_pfc(3), and in
// pocker: pocker/src/security/seccomp_profile.cpp, seccomp_compile.cpp.
#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "pocker/capabilities.hpp"
#include "pocker/seccomp.hpp"
#include "lesson-security.hpp"

namespace {

using lesson::errno_text;
using lesson::status_line;

// How many BPF instructions libseccomp makes of `ctx`: seccomp_export_bpf
// writes them to a descriptor, 8 bytes each (struct sock_filter).
long count_instructions(scmp_filter_ctx ctx) {
  int fd = memfd_create("filter", MFD_CLOEXEC);
  if (fd < 0) return -1;
  long count = -1;
  struct stat st;
  if (seccomp_export_bpf(ctx, fd) == 0 && fstat(fd, &st) == 0) count = st.st_size / 8;
  close(fd);
  return count;
}

// Part 1. Returns the exit status.
int libseccomp_demo() {
  // Everything not named below is allowed. (docker's profile is the other
  // way round: default ERRNO(EPERM), and a list of what is allowed.)
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) {
    std::printf("seccomp_init failed\n");
    return 1;
  }
  // libseccomp functions return a negative errno (not -1 and errno).
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mkdir), 0);
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mkdirat), 0);
  if (rc < 0) {
    std::printf("seccomp_rule_add: %s\n", strerror(-rc));
    seccomp_release(ctx);
    return 1;
  }
  std::printf("libseccomp: 2 rules, %ld BPF instructions\n", count_instructions(ctx));
  std::printf("libseccomp: seccomp_export_pfc (the program as text):\n");
  std::fflush(stdout);  // pfc is written with write(2), past stdio's buffer
  seccomp_export_pfc(ctx, STDOUT_FILENO);

  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    seccomp_release(ctx);
    return 1;
  }
  if (pid == 0) {
    // seccomp_load sets no_new_privs first (the attribute SCMP_FLTATR_CTL_NNP
    // is on by default): the same rule as in step 3a, done for us.
    rc = seccomp_load(ctx);
    std::printf("child: seccomp_load = %s\n", errno_text(-rc).c_str());
    std::printf("child: %s, %s\n", status_line("Seccomp").c_str(),
                status_line("NoNewPrivs").c_str());
    std::string dir = "/tmp/pocker-lesson-libseccomp-" + std::to_string(getpid());
    int made = mkdir(dir.c_str(), 0700) == 0 ? 0 : errno;
    if (made == 0) rmdir(dir.c_str());
    std::printf("child: mkdir %s = %s\n", dir.c_str(), errno_text(made).c_str());
    std::fflush(stdout);
    _exit(rc == 0 ? 0 : 1);
  }
  seccomp_release(ctx);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

size_t name_count(const pocker::SeccompProfile& profile) {
  size_t names = 0;
  for (const auto& rule : profile.rules) names += rule.names.size();
  return names;
}

// Part 2.
int pocker_profile() {
  const std::string& json = pocker::default_seccomp_profile_json();
  auto profile = pocker::parse_seccomp_profile(json, "default profile");
  if (!profile) {
    std::printf("parse: %s\n", profile.error().message().c_str());
    return 1;
  }
  const pocker::SeccompProfile& p = profile.value();
  std::printf("\npocker's default profile: %zu bytes of JSON, %zu rules, %zu syscall names\n",
              json.size(), p.rules.size(), name_count(p));
  std::printf("pocker's default profile: default action %s, %zu architectures\n",
              p.default_action.c_str(), p.architectures.size());

  // Some rules hold only with a capability ("mount" needs CAP_SYS_ADMIN),
  // so the program depends on the container's capabilities.
  pocker::CapSet docker14 = pocker::default_capabilities();
  auto program = pocker::compile_seccomp(p, docker14);
  if (!program) {
    std::printf("compile: %s\n", program.error().message().c_str());
    return 1;
  }
  std::printf("compiled for the 14 default capabilities: %zu BPF instructions\n",
              program.value().insns.size());
  int sys_admin = pocker::parse_capability("SYS_ADMIN").value();
  pocker::CapSet admin = docker14 | (pocker::CapSet{1} << sys_admin);
  auto with_admin = pocker::compile_seccomp(p, admin);
  if (!with_admin) {
    std::printf("compile: %s\n", with_admin.error().message().c_str());
    return 1;
  }
  // More rules hold, so the program grows (mount, umount2, unshare, ...).
  long more = static_cast<long>(with_admin.value().insns.size()) -
              static_cast<long>(program.value().insns.size());
  std::printf("compiled with CAP_SYS_ADMIN added: %zu BPF instructions (%ld more)\n",
              with_admin.value().insns.size(), more);
  return 0;
}

}  // namespace

int main() {
  int code = libseccomp_demo();
  if (code != 0) return code;
  return pocker_profile();
}
