/// @file
/// @brief Security: what a container may do, in one place.
///
/// The namespaces (lv1) decide what a container sees, the cgroups (lv2)
/// how much it may use. This level decides what its root may *do*:
/// capabilities, the device cgroup, seccomp and no_new_privs, and the
/// masks on /proc and /sys that only hold while CAP_SYS_ADMIN is gone.
#pragma once

#include <string>
#include <vector>

#include "pocker/capabilities.hpp"
#include "pocker/devices.hpp"
#include "pocker/error.hpp"
#include "pocker/seccomp.hpp"

namespace pocker {

/// The security settings of one container (or of one `exec`).
struct SecuritySpec {
  bool privileged = false;        ///< --privileged: all capabilities and devices, no seccomp, no masks
  std::vector<std::string> cap_add;   ///< --cap-add, as given (validated)
  std::vector<std::string> cap_drop;  ///< --cap-drop, as given (validated)
  CapSet capabilities = 0;        ///< resolved: root's set inside (and the bounding set)
  bool no_new_privileges = false; ///< --security-opt no-new-privileges
  /// --security-opt seccomp=: "default" (pocker's profile), "unconfined"
  /// (no filter), or the path of a JSON profile.
  std::string seccomp = "default";
  /// With a profile path: its text, read once at `run`, so `start` and
  /// `exec` use what was checked even if the file changes.
  std::string seccomp_profile;
  std::vector<DeviceMapping> devices;     ///< --device (and every host device with --privileged)
  std::vector<DeviceRule> device_rules;   ///< the device cgroup's rules, in order
};

/// Fills `spec` from the flags: the capability set, the seccomp choice
/// (a profile file is read and checked now), the devices and their rules.
/// `security_opts` are --security-opt values (`no-new-privileges[:true|false]`,
/// `seccomp=unconfined|PATH`). Every mistake is a one-line error.
Result<SecuritySpec> make_security_spec(bool privileged, const std::vector<std::string>& cap_add,
                                        const std::vector<std::string>& cap_drop,
                                        const std::vector<std::string>& security_opts,
                                        const std::vector<std::string>& devices,
                                        const std::vector<std::string>& device_cgroup_rules);

/// Parent, before clone: the seccomp program the process will load
/// (empty when unconfined or privileged), compiled for `caps` or read
/// from the cache under `store_root`/seccomp.
Result<SeccompProgram> prepare_seccomp(const SecuritySpec& spec, CapSet caps,
                                       const std::string& store_root);

/// Child, the last steps before exec, part 1, in the order the kernel
/// needs: no_new_privs, the bounding set, then seccomp (while
/// CAP_SYS_ADMIN still allows loading it). The user switch (-u) comes
/// between the two parts: setuid() to another uid empties the capability
/// sets by itself.
Result<void> confine_before_user_switch(const SecuritySpec& spec, CapSet caps,
                                        const SeccompProgram& program);

/// Child, part 2: the capability sets root inside keeps, and every
/// descriptor above stderr marked close-on-exec.
Result<void> confine_after_user_switch(CapSet caps);

/// Child, after chdir: the working directory must be inside the
/// container's root. A descriptor of a host directory leaked into the
/// container (`-w /proc/self/fd/N`) would put it outside (CVE-2024-21626).
Result<void> check_cwd_inside_root();

}  // namespace pocker
