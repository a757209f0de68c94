/// @file
/// @brief Security: which devices a container may use (the device cgroup).
///
/// A container's root may create device nodes (CAP_MKNOD), so a node in
/// its /dev is no protection by itself: the kernel asks the device cgroup
/// on every open(2) and mknod(2) of a device. pocker denies everything,
/// then allows docker's short list (null, zero, full, random, urandom,
/// tty, console, ptmx, the ptys) and mknod of any device (made, never
/// opened). On cgroup v1 the rules are lines written to the `devices`
/// hierarchy; on cgroup v2 they are a small BPF program
/// (BPF_PROG_TYPE_CGROUP_DEVICE) attached to the container's cgroup.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker {

/// One rule of the device cgroup, in the v1 file's terms:
/// `c 1:3 rwm` allows char device 1:3 to be read, written and made.
struct DeviceRule {
  bool allow = true;      ///< false: a deny rule
  char type = 'a';        ///< 'a' (all devices), 'c' (char) or 'b' (block)
  int64_t major = -1;     ///< -1: any (`*`)
  int64_t minor = -1;     ///< -1: any (`*`)
  std::string access = "rwm";  ///< some of r (open for read), w (open for write), m (mknod)

  /// Rules compare equal when every field does.
  bool operator==(const DeviceRule&) const = default;
};

/// `--device HOST[:CONTAINER[:PERMISSIONS]]`: a host device node made in
/// the container's /dev and allowed in its device cgroup.
struct DeviceMapping {
  std::string host_path;       ///< e.g. /dev/fuse (must be a char or block device)
  std::string container_path;  ///< e.g. /dev/fuse (default: the host path)
  std::string access = "rwm";  ///< the cgroup permissions, some of r, w, m
  char type = 'c';             ///< 'c' or 'b', from stat(2) of the host path
  /// @{
  /// the device's numbers, from stat(2) of the host path
  uint32_t major = 0, minor = 0;
  /// @}
  mode_t mode = 0;             ///< permission bits of the host node
  uid_t uid = 0;               ///< owner of the host node
  gid_t gid = 0;               ///< group of the host node
};

/// docker's default rules: deny all, allow the harmless devices and mknod
/// of any char or block device (the order matters: later rules win).
std::vector<DeviceRule> default_device_rules();

/// `--privileged`: one rule, allow everything.
std::vector<DeviceRule> privileged_device_rules();

/// Parses a rule as the v1 file and `--device-cgroup-rule` write it:
/// `TYPE MAJOR:MINOR ACCESS`, with `*` for any number, e.g. `c 1:3 rwm`,
/// `b *:* m`, `a` (all). One-line error naming the rule when malformed.
Result<DeviceRule> parse_device_rule(const std::string& text);

/// The rule as a v1 `devices.allow`/`devices.deny` line, e.g. `c 1:3 rwm`.
std::string device_rule_line(const DeviceRule& rule);

/// Parses `--device HOST[:CONTAINER[:PERMISSIONS]]` and stats the host
/// path. Errors: a missing path, a path that is not a device node, a
/// relative container path, permissions other than r, w, m.
Result<DeviceMapping> parse_device_mapping(const std::string& text);

/// The rule that lets the container use `mapping`.
DeviceRule rule_for(const DeviceMapping& mapping);

/// Every char and block device node directly in `dev` (normally the host's
/// /dev), as mappings to the same path: what `--privileged` gives.
std::vector<DeviceMapping> host_devices(const std::string& dev = "/dev");

/// cgroup v1: writes `rules` into the `devices` directory `dir`:
/// `a` to devices.deny first (so nothing inherited stays), then each rule
/// to devices.allow or devices.deny.
Result<void> write_v1_device_rules(const std::string& dir, const std::vector<DeviceRule>& rules);

/// cgroup v2: one BPF instruction, as the kernel reads it (struct bpf_insn).
struct BpfInsn {
  uint8_t code;  ///< the operation (class, size, mode or source)
  uint8_t regs;  ///< dst_reg in the low 4 bits, src_reg in the high 4
  int16_t off;   ///< jump offset, or memory offset
  int32_t imm;   ///< the immediate operand
};

/// cgroup v2: assembles the BPF_PROG_TYPE_CGROUP_DEVICE program for
/// `rules` (later rules win, as in v1; no rule matching: deny).
std::vector<BpfInsn> device_program(const std::vector<DeviceRule>& rules);

/// cgroup v2: loads device_program(rules) with bpf(BPF_PROG_LOAD) and
/// attaches it to the cgroup directory `cgroup_dir` (BPF_CGROUP_DEVICE,
/// BPF_F_ALLOW_MULTI). The kernel keeps it as long as the cgroup exists.
Result<void> attach_device_program(int cgroup_dir, const std::vector<DeviceRule>& rules);

/// Whether this kernel lets pocker load a device program (`pocker info`):
/// empty when it can, else why not.
std::string device_program_unavailable_reason();

}  // namespace pocker
