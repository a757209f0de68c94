// Profile → BPF with libseccomp: choose the rules that apply to this
// machine and these capabilities, hand them to libseccomp, and read back
// the program it generates, ready for seccomp(2).
#include "pocker/seccomp.hpp"

#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <memory>

#include <linux/filter.h>
#include <seccomp.h>
#include <sys/capability.h>

#include "pocker/fd.hpp"
#include "seccomp_names.hpp"

namespace pocker {

static_assert(sizeof(SeccompProgram::Insn) == sizeof(sock_filter),
              "SeccompProgram::Insn must have struct sock_filter's layout");

namespace {

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

struct KernelVersion {
  unsigned major = 0, minor = 0;
};

// "6.1.0-18-amd64" → 6.1; docker's minKernel compares only these two.
KernelVersion running_kernel() {
  KernelVersion v;
  struct utsname u;
  if (::uname(&u) != 0) return v;
  const char* end = u.release + std::strlen(u.release);
  auto [dot, e1] = std::from_chars(u.release, end, v.major);
  if (e1 == std::errc() && dot != end && *dot == '.') std::from_chars(dot + 1, end, v.minor);
  return v;
}

bool has_cap(uint64_t caps, const std::string& name) {
  cap_value_t value;
  if (cap_from_name(name.c_str(), &value) != 0 || value < 0 || value > 63) return false;
  return (caps >> value) & 1;
}

bool has_any_cap(uint64_t caps, const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (has_cap(caps, name)) return true;
  return false;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  for (const auto& x : list)
    if (x == item) return true;
  return false;
}

// docker's conditions: `includes` must all hold, `excludes` none. The
// architecture conditions look at this machine's architecture only, as
// docker's do (a rule for "amd64" still covers the x86 programs it runs).
bool rule_applies(const SeccompRule& rule, uint64_t caps, const std::string& arch, KernelVersion kernel) {
  if (!rule.caps_any.empty() && !has_any_cap(caps, rule.caps_any)) return false;
  if (has_any_cap(caps, rule.caps_none)) return false;
  if (!rule.arches.empty() && !contains(rule.arches, arch)) return false;
  if (contains(rule.arches_none, arch)) return false;
  if (kernel.major < rule.min_kernel_major ||
      (kernel.major == rule.min_kernel_major && kernel.minor < rule.min_kernel_minor))
    return false;
  return true;
}

Result<uint32_t> action_of(const std::string& name, std::optional<unsigned> ret, const std::string& key) {
  // An errno action without a number fails with EPERM, as docker's do.
  unsigned value = ret.value_or(name == "SCMP_ACT_ERRNO" ? EPERM : 0);
  auto action = seccomp_names::action(name, value);
  if (!action) return user_error("seccomp: {}: unknown action \"{}\"", key, name);
  return *action;
}

Result<void> add_rule(scmp_filter_ctx ctx, const SeccompRule& rule, size_t index, uint32_t default_action) {
  std::string key = fmt::format("syscalls[{}]", index);
  uint32_t action = TRY(action_of(rule.action, rule.errno_ret, key));
  // libseccomp refuses a rule that does what the default does anyway;
  // it changes nothing, so it is left out.
  if (action == default_action) return ok();
  std::vector<scmp_arg_cmp> args;
  for (const SeccompArg& a : rule.args) {
    auto op = seccomp_names::compare_op(a.op);
    if (!op) return user_error("seccomp: {}: unknown operator \"{}\"", key, a.op);
    args.push_back(scmp_arg_cmp{a.index, static_cast<scmp_compare>(*op), a.value, a.value_two});
  }
  for (const std::string& name : rule.names) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // parse_seccomp_profile() already refused these
    // All conditions in one call: libseccomp ANDs them.
    int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(args.size()), args.data());
    // A name none of the filter's architectures has (arm's cacheflush on
    // x86) is simply not there to filter.
    if (rc == -EFAULT || rc == -EDOM) continue;
    if (rc < 0) return errno_error(-rc, "seccomp: {}: add the rule for {}", key, name);
  }
  return ok();
}

// seccomp_export_bpf() writes to a descriptor; a memfd keeps the program
// in memory, with no file to clean up.
Result<std::vector<SeccompProgram::Insn>> export_program(scmp_filter_ctx ctx) {
  Fd fd(::memfd_create("pocker-seccomp", MFD_CLOEXEC));
  if (!fd) return sys_error("seccomp: memfd_create");
  if (int rc = seccomp_export_bpf(ctx, fd.get()); rc < 0)
    return errno_error(-rc, "seccomp: export the program");
  off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size < 0) return sys_error("seccomp: lseek the program");
  if (size == 0 || size % sizeof(sock_filter) != 0)
    return user_error("seccomp: libseccomp wrote {} bytes, not whole instructions", size);
  std::vector<SeccompProgram::Insn> insns(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(fd.get(), insns.data(), static_cast<size_t>(size), 0) != size)
    return sys_error("seccomp: read the program back");
  return insns;
}

}  // namespace

Result<SeccompProgram> compile_seccomp(const SeccompProfile& profile, uint64_t caps) {
  uint32_t default_action = TRY(action_of(profile.default_action, profile.default_errno, "defaultAction"));
  Filter filter(seccomp_init(default_action));
  if (!filter) return user_error("seccomp: libseccomp refused the default action {}", profile.default_action);
  scmp_filter_ctx ctx = filter.get();
  // pocker sets no_new_privs itself, only when --security-opt asks for it.
  // The attribute acts only when libseccomp loads a filter (pocker loads
  // the exported program itself), but the filter should say what pocker does.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); rc < 0)
    return errno_error(-rc, "seccomp: clear the no_new_privs attribute");
  // A binary tree of syscall numbers instead of one long chain of tests.
  // Compiling takes longer, but the program is cached; what counts is the
  // load: since Linux 5.11 seccomp(2) runs the filter once for every
  // syscall number of every architecture, to learn which are always
  // allowed (kernel/seccomp.c, seccomp_cache_prepare), and a chain makes
  // each of those runs walk hundreds of tests. Every container pays that
  // load; the tree also makes each of its system calls cheaper.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0)
    return errno_error(-rc, "seccomp: ask for the binary-tree layout");

  // seccomp_init() put in the native architecture; the profile's others
  // are added when this machine can run their programs.
  uint32_t native = seccomp_arch_native();
  auto family = seccomp_names::native_family();
  for (const std::string& name : profile.architectures) {
    auto token = seccomp_names::token(name);
    if (!token || *token == native) continue;
    bool runs_here = false;
    for (uint32_t t : family) runs_here = runs_here || t == *token;
    if (!runs_here) continue;
    int rc = seccomp_arch_add(ctx, *token);
    if (rc < 0 && rc != -EEXIST) return errno_error(-rc, "seccomp: add architecture {}", name);
  }

  std::string arch = seccomp_names::native_go_name();
  KernelVersion kernel = running_kernel();
  for (size_t i = 0; i < profile.rules.size(); ++i) {
    if (!rule_applies(profile.rules[i], caps, arch, kernel)) continue;
    TRY(add_rule(ctx, profile.rules[i], i, default_action));
  }

  SeccompProgram program;
  program.insns = TRY(export_program(ctx));
  return program;
}

}  // namespace pocker
