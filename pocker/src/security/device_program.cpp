// cgroup v2's device cgroup: a BPF_PROG_TYPE_CGROUP_DEVICE program.
//
// v2 has no devices.allow file. Instead the kernel runs a BPF program
// attached to the cgroup on every open(2) and mknod(2) of a device node
// (Documentation/admin-guide/cgroup-v2.rst, "Device controller"): it gets
// a struct bpf_cgroup_dev_ctx (include/uapi/linux/bpf.h) and returns 1 to
// allow, 0 to deny. pocker assembles the program by hand from the same
// rules v1 writes, a few instructions per rule, with no compiler and no
// libbpf: the whole program is a few dozen instructions.
//
// v1 semantics: the rules apply in order and a later rule wins. The
// program therefore tests them from the last to the first and returns at
// the first match; the usual first rule, `deny a`, becomes the final
// "nothing matched: deny".
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "pocker/devices.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

static_assert(sizeof(BpfInsn) == sizeof(struct bpf_insn), "BpfInsn must be laid out as bpf_insn");

// Registers: r1 holds the context on entry, r0 the return value.
constexpr uint8_t kCtx = 1, kAccess = 2, kType = 3, kMajor = 4, kMinor = 5, kScratch = 1;

BpfInsn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  return BpfInsn{code, static_cast<uint8_t>((src << 4) | (dst & 0x0f)), off, imm};
}
// dst = *(u32 *)(src + off)
BpfInsn load_u32(uint8_t dst, uint8_t src, int16_t off) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
}
BpfInsn mov_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
BpfInsn mov_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
BpfInsn and_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm); }
BpfInsn rsh_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm); }
// A conditional jump whose offset (to the next rule) is filled in later.
BpfInsn jump_to_next(uint8_t op, uint8_t dst, int32_t imm) {
  return insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}
BpfInsn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int32_t access_bits(const std::string& access) {
  int32_t bits = 0;
  for (char c : access) {
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
  }
  return bits;
}

constexpr int32_t kAllAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

// One rule: tests that skip to the next rule on a mismatch, then
// `return allow`. Empty tests mean the rule matches everything.
std::vector<BpfInsn> rule_block(const DeviceRule& rule) {
  std::vector<BpfInsn> block;
  if (rule.type == 'c' || rule.type == 'b') {
    block.push_back(jump_to_next(BPF_JNE, kType,
                                 rule.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
  }
  int32_t bits = access_bits(rule.access) & kAllAccess;
  if (bits != kAllAccess) {
    if (rule.allow) {
      // An allow covers the request only if it grants every bit asked
      // for (an open for read and write needs r and w): skip when the
      // request has a bit outside the rule.
      block.push_back(jump_to_next(BPF_JSET, kAccess, kAllAccess & ~bits));
    } else {
      // A deny refuses a request that asks for any bit it names (v1
      // removes those bits from what was allowed): skip when none.
      block.push_back(mov_reg(kScratch, kAccess));
      block.push_back(and_imm(kScratch, bits));
      block.push_back(jump_to_next(BPF_JEQ, kScratch, 0));
    }
  }
  if (rule.major >= 0) block.push_back(jump_to_next(BPF_JNE, kMajor, static_cast<int32_t>(rule.major)));
  if (rule.minor >= 0) block.push_back(jump_to_next(BPF_JNE, kMinor, static_cast<int32_t>(rule.minor)));
  // Every jump so far lands just past this block: on the next rule.
  const size_t size = block.size() + 2;
  for (size_t i = 0; i < block.size(); ++i) {
    if (BPF_CLASS(block[i].code) == BPF_JMP) block[i].off = static_cast<int16_t>(size - i - 1);
  }
  block.push_back(mov_imm(0, rule.allow ? 1 : 0));
  block.push_back(exit_insn());
  return block;
}

long bpf(int cmd, union bpf_attr* attr) {
  return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

// BPF_PROG_LOAD; on failure loads again with the verifier's log, which
// says which instruction it refused. Returns the program's fd.
Result<Fd> load(const std::vector<BpfInsn>& program) {
  // The license matters only to programs calling GPL-only helpers
  // (kernel/bpf/syscall.c); this one calls none.
  static const char kLicense[] = "Apache-2.0";
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.expected_attach_type = BPF_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uintptr_t>(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = reinterpret_cast<uintptr_t>(kLicense);
  std::strncpy(attr.prog_name, "pocker_devices", sizeof(attr.prog_name) - 1);
  Fd fd(static_cast<int>(bpf(BPF_PROG_LOAD, &attr)));
  if (fd) return fd;
  int err = errno;
  // Only the verifier's refusals have a log worth reading.
  if (err != EINVAL && err != EACCES) {
    return errno_error(err, "bpf(BPF_PROG_LOAD) of a {}-instruction device program",
                       program.size());
  }
  std::string log(16384, '\0');
  attr.log_level = 1;
  attr.log_buf = reinterpret_cast<uintptr_t>(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  Fd again(static_cast<int>(bpf(BPF_PROG_LOAD, &attr)));
  if (again) return again;  // it passed this time: take it
  log.resize(std::strlen(log.c_str()));
  // The last line says why: earlier ones trace the verifier's walk.
  while (!log.empty() && log.back() == '\n') log.pop_back();
  auto newline = log.find_last_of('\n');
  std::string last = newline == std::string::npos ? log : log.substr(newline + 1);
  return errno_error(err, "bpf(BPF_PROG_LOAD) of a {}-instruction device program ({})",
                     program.size(), last.empty() ? "no verifier log" : "verifier: " + last);
}

}  // namespace

std::vector<BpfInsn> device_program(const std::vector<DeviceRule>& rules) {
  std::vector<BpfInsn> program = {
      load_u32(kAccess, kCtx, offsetof(bpf_cgroup_dev_ctx, access_type)),
      mov_reg(kType, kAccess),
      and_imm(kType, 0xffff),  // low half: BPF_DEVCG_DEV_BLOCK or _CHAR
      rsh_imm(kAccess, 16),    // high half: BPF_DEVCG_ACC_* bits
      load_u32(kMajor, kCtx, offsetof(bpf_cgroup_dev_ctx, major)),
      load_u32(kMinor, kCtx, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  bool covered = false;  // a rule matched everything: nothing after it runs
  for (auto rule = rules.rbegin(); rule != rules.rend() && !covered; ++rule) {
    auto block = rule_block(*rule);
    covered = block.size() == 2;
    program.insert(program.end(), block.begin(), block.end());
  }
  // The verifier refuses unreachable instructions, so the default is
  // there only when some request can still reach it.
  if (!covered) {
    program.push_back(mov_imm(0, 0));  // no rule matched: deny
    program.push_back(exit_insn());
  }
  return program;
}

Result<void> attach_device_program(int cgroup_dir, const std::vector<DeviceRule>& rules) {
  Fd prog = TRY(load(device_program(rules)));
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.target_fd = static_cast<uint32_t>(cgroup_dir);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  // ALLOW_MULTI: programs of the levels above run too, and all must allow
  // (include/uapi/linux/bpf.h, BPF_F_ALLOW_MULTI), so a container can
  // never open more than its parent cgroup lets it.
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attr) < 0) {
    return sys_error("bpf(BPF_PROG_ATTACH) of the device program to cgroup fd {}", cgroup_dir);
  }
  trace("bpf(BPF_PROG_ATTACH, cgroup fd {}, BPF_CGROUP_DEVICE) = ok ({} rules)", cgroup_dir,
        rules.size());
  // The attachment holds its own reference: our fd closes here and the
  // program lives as long as the cgroup.
  return ok();
}

std::string device_program_unavailable_reason() {
  // The smallest device program: deny everything. Loaded, never attached.
  auto loaded = load(device_program({}));
  if (loaded) return "";
  std::string why = loaded.error().message();
  if (loaded.error().err() == EPERM) why += " (needs root, or CAP_BPF and CAP_SYS_ADMIN)";
  return why;
}

}  // namespace pocker
