// The security settings of a container, from flags to the child's last
// steps before exec. The mechanisms live in their own files
// (capabilities.cpp, devices.cpp, device_program.cpp, seccomp_*.cpp); this
// one decides, once, what a container gets and in which order it is applied.
#include "pocker/security.hpp"

#include <errno.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "pocker/fs.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// --security-opt KEY=VALUE, KEY:VALUE or KEY (docker accepts all three).
Result<void> apply_security_opt(const std::string& opt, SecuritySpec& spec) {
  size_t sep = opt.find_first_of("=:");
  std::string key = opt.substr(0, sep);
  std::string value = sep == std::string::npos ? "" : opt.substr(sep + 1);
  if (key == "no-new-privileges") {
    if (value.empty() || value == "true") {
      spec.no_new_privileges = true;
    } else if (value == "false") {
      spec.no_new_privileges = false;
    } else {
      return user_error("--security-opt {}: the value must be true or false", opt);
    }
    return ok();
  }
  if (key == "seccomp") {
    if (value.empty()) return user_error("--security-opt {}: use seccomp=unconfined or seccomp=PATH", opt);
    if (value == "unconfined") {
      spec.seccomp = "unconfined";
      spec.seccomp_profile.clear();
      return ok();
    }
    // Read and checked now: a bad profile fails `run` before anything exists.
    auto text = TRY_CTX(read_file(value), "--security-opt seccomp");
    TRY_CTX(parse_seccomp_profile(text, value), "--security-opt seccomp");
    spec.seccomp = value;
    spec.seccomp_profile = std::move(text);
    return ok();
  }
  return user_error("--security-opt {}: unknown option (pocker knows no-new-privileges and "
                    "seccomp=unconfined|PATH)", opt);
}

}  // namespace

Result<SecuritySpec> make_security_spec(bool privileged, const std::vector<std::string>& cap_add,
                                        const std::vector<std::string>& cap_drop,
                                        const std::vector<std::string>& security_opts,
                                        const std::vector<std::string>& devices,
                                        const std::vector<std::string>& device_cgroup_rules) {
  SecuritySpec spec;
  spec.privileged = privileged;
  spec.cap_add = cap_add;
  spec.cap_drop = cap_drop;
  spec.capabilities = TRY(resolve_capabilities(cap_add, cap_drop, privileged));
  for (const auto& opt : security_opts) TRY(apply_security_opt(opt, spec));
  // docker: --privileged turns seccomp off, whatever the profile.
  if (privileged) spec.seccomp = "unconfined";

  spec.device_rules = privileged ? privileged_device_rules() : default_device_rules();
  for (const auto& text : device_cgroup_rules) {
    spec.device_rules.push_back(TRY_CTX(parse_device_rule(text), "--device-cgroup-rule"));
  }
  // Rootless, "every capability" is every capability of a user
  // namespace, which may open none of the host's devices anyway.
  if (privileged && ::geteuid() == 0) spec.devices = host_devices();
  for (const auto& text : devices) {
    DeviceMapping mapping = TRY(parse_device_mapping(text));
    spec.device_rules.push_back(rule_for(mapping));
    spec.devices.push_back(std::move(mapping));
  }
  return spec;
}

Result<SeccompProgram> prepare_seccomp(const SecuritySpec& spec, CapSet caps,
                                       const std::string& store_root) {
  if (spec.seccomp == "unconfined") {
    trace("seccomp: unconfined, no filter");
    return SeccompProgram{};
  }
  const bool is_default = spec.seccomp == "default" || spec.seccomp.empty();
  const std::string& text = is_default ? default_seccomp_profile_json() : spec.seccomp_profile;
  const std::string source = is_default ? "the default seccomp profile" : spec.seccomp;
  return seccomp_program(text, source, caps, store_root + "/seccomp");
}

Result<void> confine_before_user_switch(const SecuritySpec& spec, CapSet caps,
                                        const SeccompProgram& program) {
  // No new privileges first: it needs no capability, and with it set the
  // kernel lets the filter load whatever capabilities are left.
  if (spec.no_new_privileges) TRY(set_no_new_privs());
  TRY(drop_bounding_set(caps));
  // seccomp before the capabilities go: loading a filter without
  // no_new_privs takes CAP_SYS_ADMIN. The profile allows every call made
  // from here to execve (setuid, capset, close_range, ...).
  // handout(security.seccomp) begin: load the compiled seccomp filter (while CAP_SYS_ADMIN still allows it)
  if (!program.insns.empty()) TRY(load_seccomp(program));
  // handout(security.seccomp) stub:
  // (void)program;
  // handout(security.seccomp) end
  return ok();
}

Result<void> confine_after_user_switch(CapSet caps) {
  TRY(set_capabilities(caps));
  // Whatever pocker holds open (the store, a cgroup directory, a terminal)
  // must not reach the container: marked close-on-exec, not closed, so
  // the sync channel still reports an exec failure.
  // handout(security.fds) begin: mark every descriptor above stderr close-on-exec (close_range)
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    return sys_error("close_range(3, ~0, CLOSE_RANGE_CLOEXEC)");
  }
  trace("close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) = ok");
  // handout(security.fds) end
  return ok();
}

Result<void> check_cwd_inside_root() {
  // handout(security.cwd) begin: refuse a working directory outside the container's root (getcwd says "(unreachable)")
  // getcwd(2) marks a directory that the process's root cannot reach:
  // ENOENT, or (older kernels) a path starting with "(unreachable)".
  char buf[PATH_MAX];
  if (!::getcwd(buf, sizeof buf)) {
    if (errno == ENOENT) {
      return user_error("the working directory is outside the container's root (a leaked "
                        "descriptor?): refused");
    }
    return sys_error("getcwd");
  }
  if (buf[0] != '/') {
    return user_error("the working directory {} is outside the container's root: refused", buf);
  }
  // handout(security.cwd) end
  return ok();
}

}  // namespace pocker
