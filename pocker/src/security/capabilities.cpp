// Capabilities: which of root's powers the container keeps.
//
// The order of the child's steps matters (capabilities(7)):
//  - the bounding set first: dropping from it needs CAP_SETPCAP, which the
//    container may not keep;
//  - the user switch next: setuid() from 0 to another uid clears the
//    permitted and effective sets by itself (no SECBIT_KEEP_CAPS);
//  - then capset() for what root inside keeps, and inheritable and ambient
//    emptied, so no execve passes anything on.
#include "pocker/capabilities.hpp"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "pocker/trace.hpp"

namespace pocker {
namespace {

CapSet bit(int cap) { return CapSet{1} << cap; }

// docker's default list (SECURITY-NOTES); podman keeps 11 of them.
constexpr int kDefault[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,  CAP_FOWNER,           CAP_MKNOD,
    CAP_NET_RAW, CAP_SETGID,      CAP_SETUID,  CAP_SETFCAP,          CAP_SETPCAP,
    CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};

// The permitted set of this process.
CapSet held_capabilities() {
  CapSet held = 0;
  cap_t state = ::cap_get_proc();
  if (!state) return 0;
  for (int cap = 0; cap <= last_capability(); ++cap) {
    cap_flag_value_t value = CAP_CLEAR;
    if (::cap_get_flag(state, cap, CAP_PERMITTED, &value) == 0 && value == CAP_SET) held |= bit(cap);
  }
  ::cap_free(state);
  return held;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

int last_capability() {
  // The kernel's own answer; libcap's CAP_LAST_CAP is only what the
  // headers knew when it was built.
  static const int last = [] {
    FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "re");
    int value = CAP_LAST_CAP;
    if (f) {
      if (std::fscanf(f, "%d", &value) != 1) value = CAP_LAST_CAP;
      std::fclose(f);
    }
    return std::clamp(value, 0, 63);
  }();
  return last;
}

CapSet all_capabilities() {
  int last = last_capability();
  return last >= 63 ? ~CapSet{0} : bit(last + 1) - 1;
}

CapSet default_capabilities() {
  CapSet caps = 0;
  for (int cap : kDefault) caps |= bit(cap);
  return caps;
}

Result<int> parse_capability(std::string_view name) {
  std::string text = upper(name);
  if (text.rfind("CAP_", 0) != 0) text = "CAP_" + text;
  cap_value_t value;
  // cap_from_name() also takes numbers; a capability is asked for by name.
  bool numeric = text.size() > 4 && std::isdigit(static_cast<unsigned char>(text[4]));
  if (numeric || ::cap_from_name(text.c_str(), &value) < 0 || value > last_capability()) {
    return user_error("unknown capability \"{}\" (see capabilities(7); e.g. NET_ADMIN, SYS_PTRACE)",
                      std::string(name));
  }
  return static_cast<int>(value);
}

std::string capability_name(int cap) {
  char* name = ::cap_to_name(static_cast<cap_value_t>(cap));
  std::string out = name ? upper(name) : fmt::format("CAP_{}", cap);
  ::cap_free(name);
  return out;
}

std::vector<std::string> capability_names(CapSet caps) {
  std::vector<std::string> names;
  for (int cap = 0; cap < 64; ++cap) {
    if (caps & bit(cap)) names.push_back(capability_name(cap));
  }
  return names;
}

Result<CapSet> resolve_capabilities(const std::vector<std::string>& add,
                                    const std::vector<std::string>& drop, bool privileged) {
  // Names are checked even where ALL makes them moot: a typo is a typo.
  auto to_set = [](const std::vector<std::string>& names, const char* flag,
                   bool& all) -> Result<CapSet> {
    CapSet set = 0;
    for (const auto& name : names) {
      if (upper(name) == "ALL") {
        all = true;
        continue;
      }
      set |= bit(TRY_CTX(parse_capability(name), flag));
    }
    return set;
  };
  bool add_all = false, drop_all = false;
  CapSet added = TRY(to_set(add, "--cap-add", add_all));
  CapSet dropped = TRY(to_set(drop, "--cap-drop", drop_all));
  CapSet caps = privileged ? all_capabilities() : default_capabilities();
  // docker: drops first, then adds, so `--cap-drop ALL --cap-add X` is X.
  caps = drop_all ? 0 : caps & ~dropped;
  caps = add_all ? all_capabilities() : caps | added;
  return caps & all_capabilities();
}

Result<void> drop_bounding_set(CapSet keep) {
  // handout(security.caps) begin: drop every capability outside `keep` from the bounding set (prctl PR_CAPBSET_DROP)
  for (int cap = 0; cap <= last_capability(); ++cap) {
    if (keep & bit(cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      return sys_error("drop {} from the bounding set", capability_name(cap));
    }
  }
  trace("prctl(PR_CAPBSET_DROP) for {} capabilities = ok: the bounding set is {:#018x}",
        last_capability() + 1 - __builtin_popcountll(keep & all_capabilities()), keep);
  // handout(security.caps) stub:
  // (void)keep;
  // handout(security.caps) end
  return ok();
}

Result<void> set_capabilities(CapSet caps) {
  // handout(security.caps-sets) begin: effective = permitted = `caps` for root, nothing for others; inheritable and ambient empty
  if (::geteuid() != 0) caps = 0;  // docker: a -u user starts with none
  // No process can give what it does not hold: a host whose own bounding
  // set lacks one (some VMs drop CAP_SYS_RESOURCE) gets --privileged
  // containers without it, as with docker.
  caps &= held_capabilities();
  cap_t state = ::cap_init();  // every set empty
  if (!state) return sys_error("cap_init");
  for (int cap = 0; cap <= last_capability(); ++cap) {
    if (!(caps & bit(cap))) continue;
    cap_value_t value = cap;
    ::cap_set_flag(state, CAP_EFFECTIVE, 1, &value, CAP_SET);
    ::cap_set_flag(state, CAP_PERMITTED, 1, &value, CAP_SET);
  }
  int rc = ::cap_set_proc(state);
  int saved = errno;
  ::cap_free(state);
  if (rc < 0) return errno_error(saved, "capset");
  // Ambient capabilities would survive execve for a non-root user.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
    return sys_error("clear the ambient capabilities");
  }
  trace("capset(effective = permitted = {:#018x}, inheritable = 0), ambient cleared = ok", caps);
  // handout(security.caps-sets) stub:
  // (void)caps;
  // (void)held_capabilities;
  // handout(security.caps-sets) end
  return ok();
}

Result<void> set_no_new_privs() {
  // handout(security.nnp) begin: prctl(PR_SET_NO_NEW_PRIVS): execve never grants privileges again
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return sys_error("prctl(PR_SET_NO_NEW_PRIVS)");
  trace("prctl(PR_SET_NO_NEW_PRIVS, 1) = ok");
  // handout(security.nnp) end
  return ok();
}

}  // namespace pocker
