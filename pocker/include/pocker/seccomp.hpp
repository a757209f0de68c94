/// @file
/// @brief Security: seccomp, the system calls a container may make.
///
/// A seccomp filter is a small BPF program the kernel runs on every system
/// call of the process (and of its children, for good). pocker's default
/// profile is an allowlist in docker's JSON profile format: calls not on
/// it fail with EPERM, and a few are allowed only with the capability they
/// need (`mount` with CAP_SYS_ADMIN, ...). libseccomp turns a profile into
/// BPF; that costs milliseconds, so the compiled program is cached in the
/// store, keyed by a hash of what went into it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pocker/error.hpp"

namespace pocker {

/// One argument condition of a syscall rule (docker's `args` entries).
/// With SCMP_CMP_MASKED_EQ, `value` is the mask and `value_two` what the
/// masked argument must equal: `(arg & value) == value_two`, as docker
/// and libseccomp order them.
struct SeccompArg {
  unsigned index = 0;   ///< which argument, 0..5
  uint64_t value = 0;      ///< what the argument is compared with (the mask, for MASKED_EQ)
  uint64_t value_two = 0;  ///< only for SCMP_CMP_MASKED_EQ
  std::string op;          ///< SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_MASKED_EQ, ...
};

/// One entry of `syscalls`: these names get this action, when the
/// conditions hold.
struct SeccompRule {
  std::vector<std::string> names;  ///< the system calls, by name
  std::string action;  ///< SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, ...
  std::optional<unsigned> errno_ret;  ///< with SCMP_ACT_ERRNO: which errno (default EPERM)
  std::vector<SeccompArg> args;    ///< conditions on the arguments, all of which must hold
  std::vector<std::string> caps_any;      ///< `includes.caps`: only with one of these
  std::vector<std::string> caps_none;     ///< `excludes.caps`: not with any of these
  std::vector<std::string> arches;        ///< `includes.arches`: only on these (Go names: amd64, ...)
  std::vector<std::string> arches_none;   ///< `excludes.arches`: not on these
  /// @{
  /// `includes.minKernel`: only on this kernel version or later (0.0: any)
  unsigned min_kernel_major = 0, min_kernel_minor = 0;
  /// @}
};

/// A parsed profile in docker's format.
struct SeccompProfile {
  std::string default_action;  ///< e.g. SCMP_ACT_ERRNO
  std::optional<unsigned> default_errno;  ///< `defaultErrnoRet` (default EPERM)
  std::vector<std::string> architectures;  ///< SCMP_ARCH_* (from archMap/architectures)
  std::vector<SeccompRule> rules;          ///< `syscalls`, in order
};

/// The text of pocker's default profile (pocker/src/security/default-seccomp.json).
const std::string& default_seccomp_profile_json();

/// Parses a profile. `source` names it in errors, which say which key is
/// wrong: not valid JSON, an unknown action, an unknown syscall name, an
/// unknown architecture, a bad operator.
Result<SeccompProfile> parse_seccomp_profile(const std::string& json_text, const std::string& source);

/// A compiled filter: the instructions seccomp(2) loads (struct sock_filter).
struct SeccompProgram {
  /// One classic BPF instruction, laid out as the kernel's struct sock_filter.
  struct Insn {
    uint16_t code;  ///< the operation
    /// @{
    /// jump offsets when the condition is true / false
    uint8_t jt, jf;
    /// @}
    uint32_t k;     ///< the operand
  };
  std::vector<Insn> insns;  ///< the program; empty: no filter
  bool from_cache = false;  ///< for --trace: was it read from the cache?
};

/// Compiles `profile` for this machine's architectures, keeping the rules
/// whose capability conditions `caps` (a bit mask, bit N = capability N)
/// satisfies. Uses libseccomp.
Result<SeccompProgram> compile_seccomp(const SeccompProfile& profile, uint64_t caps);

/// The cache key: 16 hex digits of a 64-bit FNV-1a hash over everything
/// the program depends on: the profile text, the architecture, the
/// capability mask and the kernel release (for `minKernel`). A 64-bit
/// hash can collide, so the cache file also holds those inputs in full,
/// and a read compares them: a collision costs a compile, never a wrong
/// program.
std::string seccomp_cache_key(const std::string& json_text, uint64_t caps);

/// Compiles `json_text` (named `source` in errors) or reads the program
/// from `cache_dir/<key>.bpf` when it is there; a compiled program is
/// written there atomically (mode 0600, `cache_dir` made 0700 if
/// missing). An unusable cache (short, corrupt, other inputs, not
/// writable) is ignored and rewritten, never fatal.
Result<SeccompProgram> seccomp_program(const std::string& json_text, const std::string& source,
                                       uint64_t caps, const std::string& cache_dir);

/// Child side, the last step before exec: seccomp(SECCOMP_SET_MODE_FILTER)
/// with the program. Needs no_new_privs or CAP_SYS_ADMIN.
Result<void> load_seccomp(const SeccompProgram& program);

/// Whether this kernel has seccomp filters (`pocker info`): empty when it
/// does, else why not.
std::string seccomp_unavailable_reason();

}  // namespace pocker
