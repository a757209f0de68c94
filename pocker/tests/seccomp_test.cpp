// Seccomp: the profile parser's errors, the rules of the default profile
// as the kernel enforces them (each test loads a filter in a forked child,
// which needs no privilege after PR_SET_NO_NEW_PRIVS), and the cache.
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "pocker/fs.hpp"
#include "pocker/seccomp.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }

// docker's default capabilities, written out here so these tests do not
// depend on the capabilities module.
constexpr uint64_t kDefaultCaps = bit(CAP_CHOWN) | bit(CAP_DAC_OVERRIDE) | bit(CAP_FOWNER) | bit(CAP_FSETID) |
                                  bit(CAP_KILL) | bit(CAP_SETGID) | bit(CAP_SETUID) | bit(CAP_SETPCAP) |
                                  bit(CAP_NET_BIND_SERVICE) | bit(CAP_NET_RAW) | bit(CAP_SYS_CHROOT) |
                                  bit(CAP_MKNOD) | bit(CAP_AUDIT_WRITE) | bit(CAP_SETFCAP);
constexpr uint64_t kAdminCaps = kDefaultCaps | bit(CAP_SYS_ADMIN);

SeccompProgram compile_default(uint64_t caps) {
  auto profile = parse_seccomp_profile(default_seccomp_profile_json(), "default");
  EXPECT_TRUE(profile.ok()) << profile.error().message();
  auto program = compile_seccomp(profile.value(), caps);
  EXPECT_TRUE(program.ok()) << program.error().message();
  return program.ok() ? program.value() : SeccompProgram{};
}

// Runs `call` in a forked child with `program` loaded and returns 0 when
// it succeeded, else its errno. -1 means the child could not load the
// filter or died, -2 that `call` threw.
int errno_under(const SeccompProgram& program, const std::function<long()>& call) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    int result = -1;
    // Nothing may escape into the copy of gtest in this child, or it would
    // go on to run the remaining tests under the filter.
    try {
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && load_seccomp(program).ok()) {
        errno = 0;
        result = call() < 0 ? errno : 0;
      }
    } catch (...) {
      result = -2;
    }
    (void)!::write(fds[1], &result, sizeof result);
    ::_exit(0);
  }
  ::close(fds[1]);
  int result = -1;
  if (::read(fds[0], &result, sizeof result) != sizeof result) result = -1;
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return result;
}

// A bad address for mount's first argument: the kernel copies the
// strings in before it checks the capability, so a mount the filter lets
// through fails with EFAULT, whoever runs the test.
const char* const kBadAddress = reinterpret_cast<const char*>(1);

std::string profile_error(const std::string& json) {
  auto profile = parse_seccomp_profile(json, "test.json");
  return profile.ok() ? "(parsed)" : profile.error().message();
}

// --- the parser -----------------------------------------------------------

TEST(SeccompProfile, DefaultParses) {
  auto profile = parse_seccomp_profile(default_seccomp_profile_json(), "default");
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  EXPECT_EQ(profile.value().default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(profile.value().default_errno, std::optional<unsigned>(EPERM));
  EXPECT_GT(profile.value().rules.size(), 10u);
#if defined(__x86_64__)
  EXPECT_EQ(profile.value().architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
#endif
}

TEST(SeccompProfile, ReadsEveryKey) {
  auto profile = parse_seccomp_profile(R"({
    "defaultAction": "SCMP_ACT_KILL_PROCESS",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"name": "read", "action": "SCMP_ACT_ALLOW"},
      {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
       "includes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["amd64"], "minKernel": "4.8"},
       "excludes": {"caps": ["CAP_BPF"], "arches": ["s390x"]}}
    ]})",
                                       "t");
  ASSERT_TRUE(profile.ok()) << profile.error().message();
  const SeccompRule& rule = profile.value().rules.at(1);
  EXPECT_EQ(profile.value().rules.at(0).names, std::vector<std::string>{"read"});
  EXPECT_EQ(rule.errno_ret, std::optional<unsigned>(38));
  ASSERT_EQ(rule.args.size(), 1u);
  EXPECT_EQ(rule.args[0].value, 0x7e020000u);
  EXPECT_EQ(rule.args[0].op, "SCMP_CMP_MASKED_EQ");
  EXPECT_EQ(rule.caps_any, std::vector<std::string>{"CAP_SYS_ADMIN"});
  EXPECT_EQ(rule.caps_none, std::vector<std::string>{"CAP_BPF"});
  EXPECT_EQ(rule.arches_none, std::vector<std::string>{"s390x"});
  EXPECT_EQ(rule.min_kernel_major, 4u);
  EXPECT_EQ(rule.min_kernel_minor, 8u);
}

TEST(SeccompProfile, UnknownSyscallNamesTheKey) {
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
              {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
              {"names": ["write", "foo"], "action": "SCMP_ACT_ALLOW"}]})"),
            "profile test.json: syscalls[1].names[1]: unknown syscall \"foo\"");
}

TEST(SeccompProfile, UnknownActionNamesTheKey) {
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
              {"names": ["read"], "action": "SCMP_ACT_ALOW"}]})"),
            "profile test.json: syscalls[0].action: unknown action \"SCMP_ACT_ALOW\"");
  EXPECT_EQ(profile_error(R"({"defaultAction": "ALLOW"})"),
            "profile test.json: defaultAction: unknown action \"ALLOW\"");
}

TEST(SeccompProfile, UnknownOperatorNamesTheKey) {
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
              {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
               "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NOT"}]}]})"),
            "profile test.json: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_NOT\"");
}

TEST(SeccompProfile, InvalidJsonSaysWhere) {
  EXPECT_EQ(profile_error("{\n  \"defaultAction\": SCMP_ACT_ERRNO\n}"),
            "profile test.json: not valid JSON at line 2, column 20");
}

TEST(SeccompProfile, OtherMistakesNameTheKey) {
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_Z80"]})"),
            "profile test.json: architectures[0]: unknown architecture \"SCMP_ARCH_Z80\"");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
              {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMN"]}}]})"),
            "profile test.json: syscalls[0].includes.caps[0]: unknown capability \"CAP_SYS_ADMN\"");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
              {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4"}}]})"),
            "profile test.json: syscalls[0].includes.minKernel: expected \"major.minor\", not \"4\"");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
              {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "op": "SCMP_CMP_EQ"}]}]})"),
            "profile test.json: syscalls[0].args[0].index: must be 0 to 5, not 6");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "read"}]})"),
            "profile test.json: syscalls[0].names: expected an array of strings");
  EXPECT_EQ(profile_error(R"({"syscalls": []})"), "profile test.json: defaultAction: missing");
}

// --- the compiled default profile, enforced by the kernel ------------------

TEST(SeccompFilter, DefaultCompilesForDefaultCaps) {
  SeccompProgram program = compile_default(kDefaultCaps);
  EXPECT_GT(program.insns.size(), 100u);
  EXPECT_FALSE(program.from_cache);
}

TEST(SeccompFilter, OrdinaryCallsWork) {
  SeccompProgram program = compile_default(kDefaultCaps);
  EXPECT_EQ(errno_under(program, [] { return static_cast<long>(::getpid()); }), 0);
  // fork is clone without namespace flags.
  EXPECT_EQ(errno_under(program,
                        [] {
                          pid_t pid = ::fork();
                          if (pid == 0) ::_exit(0);
                          return pid < 0 ? -1L : static_cast<long>(::waitpid(pid, nullptr, 0));
                        }),
            0);
  // A thread: glibc tries clone3 first and falls back to clone on ENOSYS.
  EXPECT_EQ(errno_under(program,
                        [] {
                          int value = 0;
                          std::thread([&] { value = 1; }).join();
                          return value == 1 ? 0L : -1L;
                        }),
            0);
}

TEST(SeccompFilter, OwnChildStepsAreAllowed) {
  // What pocker's child does after loading the filter, before execve.
  SeccompProgram program = compile_default(kDefaultCaps);
  EXPECT_EQ(errno_under(program, [] { return static_cast<long>(::setgid(::getgid())); }), 0);
  EXPECT_EQ(errno_under(program, [] { return static_cast<long>(::setuid(::getuid())); }), 0);
  EXPECT_EQ(errno_under(program, [] { return ::syscall(SYS_close_range, 1000, 1000, 0); }), 0);
  EXPECT_EQ(errno_under(program, [] { return static_cast<long>(::prctl(PR_SET_NAME, "pocker:test")); }), 0);
  EXPECT_EQ(errno_under(program,
                        [] {
                          __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
                          __user_cap_data_struct data[2]{};
                          if (::syscall(SYS_capget, &header, data) != 0) return -1L;
                          return ::syscall(SYS_capset, &header, data);
                        }),
            0);
  if (::geteuid() == 0) {
    EXPECT_EQ(errno_under(program, [] { return static_cast<long>(::setgroups(0, nullptr)); }), 0);
  }
  EXPECT_EQ(errno_under(program, [] { return read_file("/etc/passwd").ok() ? 0L : -1L; }), 0);
  EXPECT_EQ(errno_under(program,
                        [] {
                          pid_t pid = ::fork();
                          if (pid == 0) {
                            ::execl("/bin/true", "true", nullptr);
                            ::_exit(127);
                          }
                          int status = 0;
                          ::waitpid(pid, &status, 0);
                          return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0L : -1L;
                        }),
            0);
}

TEST(SeccompFilter, MountNeedsSysAdmin) {
  auto call = [] { return static_cast<long>(::mount(kBadAddress, "/", nullptr, 0, nullptr)); };
  EXPECT_EQ(errno_under(compile_default(kDefaultCaps), call), EPERM);
  EXPECT_EQ(errno_under(compile_default(kAdminCaps), call), EFAULT);
}

TEST(SeccompFilter, UnshareNeedsSysAdmin) {
  SeccompProgram without = compile_default(kDefaultCaps);
  // unshare(0) changes nothing and always succeeds when it gets through.
  EXPECT_EQ(errno_under(without, [] { return static_cast<long>(::unshare(0)); }), EPERM);
  EXPECT_EQ(errno_under(without, [] { return static_cast<long>(::unshare(CLONE_NEWUSER)); }), EPERM);
  EXPECT_EQ(errno_under(compile_default(kAdminCaps), [] { return static_cast<long>(::unshare(0)); }), 0);
}

TEST(SeccompFilter, CloneWithNamespaceFlagsNeedsSysAdmin) {
  // The raw call, so no libc wrapper changes the flags. Refused by the
  // filter, it never creates a child; let through, the child exits at once.
  auto call = [] {
    long pid = ::syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) ::_exit(0);
    if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
    return pid < 0 ? -1L : 0L;
  };
  EXPECT_EQ(errno_under(compile_default(kDefaultCaps), call), EPERM);
  // With CAP_SYS_ADMIN the filter lets it through; the kernel then decides
  // (EPERM again for a test run without root).
  if (::geteuid() == 0) {
    EXPECT_EQ(errno_under(compile_default(kAdminCaps), call), 0);
  }
}

TEST(SeccompFilter, Clone3AnswersEnosys) {
  // clone3(NULL, 0): the kernel itself answers EINVAL (size too small).
  auto call = [] { return ::syscall(SYS_clone3, nullptr, 0); };
  EXPECT_EQ(errno_under(compile_default(kDefaultCaps), call), ENOSYS);
  EXPECT_EQ(errno_under(compile_default(kAdminCaps), call), EINVAL);
}

TEST(SeccompFilter, KeyringsUserfaultfdAndIoUringAreRefused) {
  // Refused even with every capability: no rule allows them.
  SeccompProgram program = compile_default(~uint64_t{0});
  EXPECT_EQ(errno_under(program, [] { return ::syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0); }),
            EPERM);
  EXPECT_EQ(errno_under(program, [] { return ::syscall(SYS_add_key, "user", "pocker", "x", 1, -3); }), EPERM);
  EXPECT_EQ(errno_under(program, [] { return ::syscall(SYS_request_key, "user", "pocker", nullptr, 0); }),
            EPERM);
  EXPECT_EQ(errno_under(program, [] { return ::syscall(SYS_userfaultfd, 0); }), EPERM);
  EXPECT_EQ(errno_under(program, [] { return ::syscall(SYS_io_uring_setup, 1, nullptr); }), EPERM);
}

TEST(SeccompFilter, PersonalityOnlyHarmlessValues) {
  SeccompProgram program = compile_default(kDefaultCaps);
  EXPECT_EQ(errno_under(program, [] { return ::syscall(SYS_personality, 0xffffffffUL); }), 0);
  EXPECT_EQ(errno_under(program, [] { return ::syscall(SYS_personality, PER_LINUX); }), 0);
  EXPECT_EQ(errno_under(program, [] { return ::syscall(SYS_personality, ADDR_NO_RANDOMIZE); }), EPERM);
}

TEST(SeccompFilter, SocketRefusesVsockOnly) {
  SeccompProgram program = compile_default(kDefaultCaps);
  EXPECT_EQ(errno_under(program, [] { return static_cast<long>(::socket(AF_VSOCK, SOCK_STREAM, 0)); }),
            EPERM);
  EXPECT_EQ(errno_under(program, [] { return static_cast<long>(::socket(AF_UNIX, SOCK_STREAM, 0)); }), 0);
}

TEST(SeccompFilter, CapabilityRulesFollowTheirCapability) {
  // name_to_handle_at with CAP_DAC_READ_SEARCH: let through, it fails on
  // the bad path address instead.
  auto call = [] { return ::syscall(SYS_name_to_handle_at, AT_FDCWD, kBadAddress, nullptr, nullptr, 0); };
  EXPECT_EQ(errno_under(compile_default(kDefaultCaps), call), EPERM);
  EXPECT_EQ(errno_under(compile_default(kDefaultCaps | bit(CAP_DAC_READ_SEARCH)), call), EFAULT);
}

// --- the cache --------------------------------------------------------------

class SeccompCache : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = make_temp_dir("/tmp/pocker-seccomp-test-");
    ASSERT_TRUE(made.ok()) << made.error().message();
    root_ = made.value();
    dir_ = root_ + "/seccomp";
  }
  void TearDown() override { (void)remove_tree(root_); }

  SeccompProgram program(uint64_t caps) {
    auto p = seccomp_program(default_seccomp_profile_json(), "default", caps, dir_);
    EXPECT_TRUE(p.ok()) << p.error().message();
    return p.ok() ? p.value() : SeccompProgram{};
  }
  std::string file(uint64_t caps) {
    return dir_ + "/" + seccomp_cache_key(default_seccomp_profile_json(), caps) + ".bpf";
  }
  static bool same(const SeccompProgram& a, const SeccompProgram& b) {
    if (a.insns.size() != b.insns.size()) return false;
    for (size_t i = 0; i < a.insns.size(); ++i) {
      const auto &x = a.insns[i], &y = b.insns[i];
      if (x.code != y.code || x.jt != y.jt || x.jf != y.jf || x.k != y.k) return false;
    }
    return true;
  }

  std::string root_, dir_;
};

TEST_F(SeccompCache, SecondCallIsAHitWithTheSameProgram) {
  // --trace shows the compile and hit times in the test output.
  set_trace(true);
  SeccompProgram first = program(kDefaultCaps);
  SeccompProgram second = program(kDefaultCaps);
  set_trace(false);
  EXPECT_FALSE(first.from_cache);
  EXPECT_TRUE(second.from_cache);
  EXPECT_TRUE(same(first, second));
  EXPECT_TRUE(same(first, compile_default(kDefaultCaps)));
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat(file(kDefaultCaps).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(SeccompCache, DamagedFileIsIgnoredAndRewritten) {
  SeccompProgram good = program(kDefaultCaps);
  auto data = read_file(file(kDefaultCaps));
  ASSERT_TRUE(data.ok());
  // One bit of the last instruction flipped, then a cut-short file.
  std::string flipped = data.value();
  flipped[flipped.size() - 12] ^= 1;
  for (const std::string& bad : {flipped, data.value().substr(0, data.value().size() / 2), std::string()}) {
    ASSERT_TRUE(write_file_atomic(file(kDefaultCaps), bad, 0600).ok());
    SeccompProgram again = program(kDefaultCaps);
    EXPECT_FALSE(again.from_cache);
    EXPECT_TRUE(same(again, good));
    EXPECT_TRUE(program(kDefaultCaps).from_cache);  // rewritten
  }
}

TEST_F(SeccompCache, FileForOtherInputsIsNeverUsed) {
  // As if two keys collided: the admin program under the default key.
  EXPECT_NE(seccomp_cache_key(default_seccomp_profile_json(), kDefaultCaps),
            seccomp_cache_key(default_seccomp_profile_json(), kAdminCaps));
  EXPECT_NE(seccomp_cache_key(default_seccomp_profile_json(), kDefaultCaps),
            seccomp_cache_key(default_seccomp_profile_json() + " ", kDefaultCaps));
  SeccompProgram admin = program(kAdminCaps);
  auto data = read_file(file(kAdminCaps));
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(write_file_atomic(file(kDefaultCaps), data.value(), 0600).ok());
  SeccompProgram plain = program(kDefaultCaps);
  EXPECT_FALSE(plain.from_cache);
  EXPECT_FALSE(same(plain, admin));
}

TEST_F(SeccompCache, UnwritableCacheIsNotAnError) {
  auto p =
      seccomp_program(default_seccomp_profile_json(), "default", kDefaultCaps, "/proc/pocker-no-such-dir");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_FALSE(p.value().insns.empty());
}

TEST_F(SeccompCache, BadProfileIsAnError) {
  auto p = seccomp_program("{", "my.json", kDefaultCaps, dir_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message().rfind("profile my.json: not valid JSON", 0), 0u) << p.error().message();
}

TEST(SeccompInfo, FiltersAreAvailableHere) {
  // Every kernel pocker supports has them; `pocker info` says why not otherwise.
  EXPECT_EQ(seccomp_unavailable_reason(), "");
}

}  // namespace
}  // namespace pocker
