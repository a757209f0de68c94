#include "seccomp_names.hpp"

#include <algorithm>
#include <array>

#include <seccomp.h>

namespace pocker::seccomp_names {

namespace {

struct Arch {
  const char* name;  // libseccomp's name
  uint32_t token;
  const char* go_name;  // docker's `includes.arches` name
  uint32_t family;      // the 64-bit architecture whose kernel also runs this one
};

// The SCMP_ARCH_* values of libseccomp 2.5; the Go names are GOARCH's,
// except "x86" and "x32", which docker's profile writes that way.
constexpr std::array kArches = {
    Arch{"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, "amd64", SCMP_ARCH_X86_64},
    Arch{"SCMP_ARCH_X86", SCMP_ARCH_X86, "x86", SCMP_ARCH_X86_64},
    Arch{"SCMP_ARCH_X32", SCMP_ARCH_X32, "x32", SCMP_ARCH_X86_64},
    Arch{"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, "arm64", SCMP_ARCH_AARCH64},
    Arch{"SCMP_ARCH_ARM", SCMP_ARCH_ARM, "arm", SCMP_ARCH_AARCH64},
    Arch{"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64, "mips64", SCMP_ARCH_MIPS64},
    Arch{"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32, "mips64n32", SCMP_ARCH_MIPS64},
    Arch{"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS, "mips", SCMP_ARCH_MIPS64},
    Arch{"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64, "mips64le", SCMP_ARCH_MIPSEL64},
    Arch{"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32, "mips64len32", SCMP_ARCH_MIPSEL64},
    Arch{"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL, "mipsle", SCMP_ARCH_MIPSEL64},
    Arch{"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64, "ppc64", SCMP_ARCH_PPC64},
    Arch{"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE, "ppc64le", SCMP_ARCH_PPC64LE},
    Arch{"SCMP_ARCH_PPC", SCMP_ARCH_PPC, "ppc", SCMP_ARCH_PPC64},
    Arch{"SCMP_ARCH_S390X", SCMP_ARCH_S390X, "s390x", SCMP_ARCH_S390X},
    Arch{"SCMP_ARCH_S390", SCMP_ARCH_S390, "s390", SCMP_ARCH_S390X},
    Arch{"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64, "parisc64", SCMP_ARCH_PARISC64},
    Arch{"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC, "parisc", SCMP_ARCH_PARISC64},
    Arch{"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64, "riscv64", SCMP_ARCH_RISCV64},
};

const Arch* find_token(uint32_t arch_token) {
  auto it =
      std::find_if(kArches.begin(), kArches.end(), [&](const Arch& a) { return a.token == arch_token; });
  return it == kArches.end() ? nullptr : &*it;
}

}  // namespace

std::optional<uint32_t> token(std::string_view name) {
  for (const Arch& a : kArches)
    if (name == a.name) return a.token;
  return std::nullopt;
}

std::string native_name() {
  const Arch* a = find_token(seccomp_arch_native());
  return a ? a->name : "SCMP_ARCH_NATIVE";
}

std::string native_go_name() {
  const Arch* a = find_token(seccomp_arch_native());
  return a ? a->go_name : "";
}

std::vector<uint32_t> native_family() {
  uint32_t native = seccomp_arch_native();
  const Arch* n = find_token(native);
  // A 32-bit kernel runs only its own programs.
  if (!n || n->family != n->token) return {native};
  std::vector<uint32_t> out;
  for (const Arch& a : kArches)
    if (a.family == n->family) out.push_back(a.token);
  return out;
}

std::optional<uint32_t> action(std::string_view name, unsigned ret) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  return std::nullopt;
}

std::optional<int> compare_op(std::string_view name) {
  if (name == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (name == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (name == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (name == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (name == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (name == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (name == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return std::nullopt;
}

}  // namespace pocker::seccomp_names
