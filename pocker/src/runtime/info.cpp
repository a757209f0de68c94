// `pocker info`: each check reports what it found, and a fix when pocker
// cannot use it. The checks try the real thing where that is cheap (a
// mount namespace, an overlay mount, pivot_root) instead of guessing from
// version numbers.
#include "pocker/info.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pocker/bridge_network.hpp"
#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"
#include "pocker/namespaces.hpp"
#include "pocker/root.hpp"
#include "pocker/process.hpp"
#include "pocker/security.hpp"

namespace pocker {
namespace {

std::string trimmed(const std::string& path) {
  auto text = read_file(path);
  if (!text) return "";
  std::string s = text.value();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The exit code of a throw-away check child, 2 if it could not even start.
int check_code(Result<Child> child) {
  if (!child) return 2;
  auto status = child.value().wait();
  return status ? status.value().shell_code() : 2;
}

bool is_wsl() {
  std::string version = trimmed("/proc/version");
  return version.find("microsoft") != std::string::npos ||
         version.find("Microsoft") != std::string::npos;
}

HostFact kernel_fact() {
  struct utsname u;
  ::uname(&u);
  return {"kernel", std::string(u.release) + (is_wsl() ? " (WSL2)" : ""), true, ""};
}

HostFact cgroup_fact() {
  auto host = detect_cgroups();
  if (!host || host.value().layout == CgroupLayout::kNone) {
    return {"cgroups", "none mounted", false,
            is_wsl() ? "WSL2: add `[boot] systemd=true` to /etc/wsl.conf and restart WSL, or mount "
                       "cgroup2 on /sys/fs/cgroup"
                     : "mount cgroup2: mount -t cgroup2 none /sys/fs/cgroup"};
  }
  HostFact fact{"cgroups", describe(host.value()), true, ""};
  if (host.value().layout == CgroupLayout::kV2) {
    std::string enabled = trimmed(host.value().unified + "/cgroup.subtree_control");
    fact.value += "; enabled for children: " + (enabled.empty() ? std::string("none") : enabled);
    for (const char* needed : {"cpu", "memory", "pids"}) {
      bool has = false;
      for (const auto& c : host.value().v2_controllers) has = has || c == needed;
      if (!has) {
        fact.ok = false;
        fact.fix = std::string("controller ") + needed +
                   " is not available: boot with systemd.unified_cgroup_hierarchy=1, or free it "
                   "from a v1 mount";
      }
    }
  }
  return fact;
}

// Rootless: the cgroup v2 subtree pocker would make its cgroups in, found
// the way `pocker run` finds it (find_delegation()), and which of the
// controllers pocker limits with it offers.
HostFact delegation_fact() {
  if (::geteuid() == 0) return {"cgroup delegation", "not needed (root)", true, ""};
  auto host = detect_cgroups();
  if (!host) return {"cgroup delegation", "not checked: " + host.error().message(), false, ""};
  Delegation d = find_delegation(host.value());
  if (!d.found()) return {"cgroup delegation", "none: " + d.why_not, false, d.fix};
  std::string controllers;
  for (const auto& c : d.controllers) controllers += (controllers.empty() ? "" : " ") + c;
  HostFact fact{"cgroup delegation",
                d.top + " (controllers: " + (controllers.empty() ? "none" : controllers) +
                    "); containers go in " + (d.top == "/" ? "" : d.top) + "/pocker/<id>",
                true, ""};
  // Not a failure: runs with the limits it offers work. The fix line says
  // how to get the others.
  fact.fix = missing_controllers(d, {"cpu", "memory", "pids", "cpuset"});
  return fact;
}

// Tries clone(CLONE_NEWUSER) in a throw-away child.
HostFact userns_fact() {
  bool works = check_code(spawn(CloneOptions{CLONE_NEWUSER, -1}, [] { return 0; })) == 0;
  std::string max = trimmed("/proc/sys/user/max_user_namespaces");
  HostFact fact{"user namespaces", works ? "yes (max " + max + ")" : "no", works, ""};
  if (!works) {
    if (trimmed("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1") {
      fact.fix = "Ubuntu 24.04 AppArmor blocks them: sysctl kernel.apparmor_restrict_unprivileged_userns=0";
    } else if (max == "0") {
      fact.fix = "sysctl user.max_user_namespaces=15000";
    } else if (trimmed("/proc/sys/kernel/unprivileged_userns_clone") == "0") {
      fact.fix = "sysctl kernel.unprivileged_userns_clone=1";
    } else {
      fact.fix = "the kernel refused CLONE_NEWUSER; check your kernel's CONFIG_USER_NS";
    }
  }
  return fact;
}

// Mounts an overlay and pivots into a tmpfs, in a throw-away child with its
// own mount (and, rootless, user) namespace, so the host sees nothing.
HostFact root_fact(const std::string& store_root, bool pivot) {
  std::string scratch_parent = store_root + "/tmp";
  bool rootless = ::geteuid() != 0;
  (void)make_dirs(scratch_parent, 0700);
  auto scratch = make_temp_dir(scratch_parent + "/info-");
  if (!scratch) return {pivot ? "pivot_root" : "overlayfs", "not checked: " + scratch.error().message(), false, "check that --root is writable"};
  std::string dir = scratch.value();
  for (const char* sub : {"/l", "/u", "/w", "/m"}) (void)make_dirs(dir + sub);
  uint64_t flags = CLONE_NEWNS | (rootless ? CLONE_NEWUSER : 0);
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  int code = check_code(spawn(CloneOptions{flags, -1}, [&] {
    // Rootless: map ourselves to root, as `unshare -r` does; overlayfs
    // refuses a mounter whose ids are not mapped.
    if (rootless && (!write_file("/proc/self/setgroups", "deny") ||
                     !write_file("/proc/self/uid_map", fmt::format("0 {} 1", uid)) ||
                     !write_file("/proc/self/gid_map", fmt::format("0 {} 1", gid)))) {
      return 2;
    }
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) return 2;
    if (!pivot) {
      std::string options = "lowerdir=" + dir + "/l,upperdir=" + dir + "/u,workdir=" + dir + "/w";
      return ::mount("overlay", (dir + "/m").c_str(), "overlay", 0, options.c_str()) < 0 ? 1 : 0;
    }
    if (::mount("tmpfs", (dir + "/m").c_str(), "tmpfs", 0, nullptr) < 0) return 2;
    if (::chdir((dir + "/m").c_str()) < 0) return 2;
    return ::syscall(SYS_pivot_root, ".", ".") < 0 ? 1 : 0;
  }));
  (void)remove_tree(dir);
  if (pivot) {
    return {"pivot_root", code == 0 ? "yes" : "no", code == 0,
            code == 0 ? "" : "pivot_root failed (is / on a ramfs/initramfs? then use --no-pivot)"};
  }
  return {"overlayfs", code == 0 ? "yes, on " + store_root : "no", code == 0,
          code == 0 ? ""
          : rootless ? "rootless overlayfs needs Linux 5.11+; or put --root on a file system that supports it"
                     : "modprobe overlay; and put --root on ext4/xfs (not on overlayfs or tmpfs-in-overlay)"};
}

// Root's --userns shows the image through an idmapped mount
// (ns/idmap.cpp). Tried for real on the store, through the user namespace
// of a throw-away child that waits until the check is done.
HostFact idmap_fact(const std::string& store_root) {
  const char* name = "idmapped mounts";
  if (::geteuid() != 0) return {name, "not needed rootless (--userns is root's)", true, ""};
  (void)make_dirs(store_root, 0700);
  int done[2];
  if (::pipe2(done, O_CLOEXEC) < 0) return {name, "not checked: pipe failed", false, ""};
  Fd wait_end(done[0]), release_end(done[1]);
  auto child = spawn(CloneOptions{CLONE_NEWUSER, -1}, [&] {
    release_end.reset();
    char c;
    return ::read(wait_end.get(), &c, 1) < 0 ? 1 : 0;
  });
  wait_end.reset();
  if (!child) return {name, "not checked: " + child.error().message(), false, ""};
  const std::vector<IdMap> nobody{IdMap{0, 65534, 1}};
  std::string why;
  if (auto maps = user_write_maps(child.value().pid(), nobody, nobody); !maps) {
    why = maps.error().message();
  } else if (auto tree = make_idmapped_tree(store_root, child.value().pid()); !tree) {
    why = tree.error().message();
  }
  release_end.reset();
  (void)child.value().wait();
  if (why.empty()) return {name, "yes, on " + store_root, true, ""};
  return {name, "no: " + why, false,
          "only --userns needs them: Linux 5.12+, and --root on ext4, xfs or btrfs (tmpfs: Linux 6.3+)"};
}

HostFact mode_fact() {
  if (::geteuid() == 0) return {"mode", "rootful (uid 0)", true, ""};
  bool helpers = ::access("/usr/bin/newuidmap", X_OK) == 0;
  return {"mode", std::string("rootless (uid ") + std::to_string(::geteuid()) + ")" +
                      (helpers ? ", newuidmap found" : ""),
          true, helpers ? "" : "install uidmap for more than one uid inside: apt install uidmap"};
}

HostFact seccomp_fact() {
  std::string why = seccomp_unavailable_reason();
  if (why.empty()) return {"seccomp", "yes (default profile: docker's allowlist, EPERM for the rest)", true, ""};
  return {"seccomp", "no: " + why, false,
          "a kernel built with CONFIG_SECCOMP_FILTER; until then containers run without a filter"};
}

// Which device cgroup containers get: v1's `devices` hierarchy where it is
// mounted (v1, hybrid), else the v2 BPF program.
HostFact devices_fact() {
  if (::geteuid() != 0) {
    return {"device cgroup", "none rootless: the user namespace keeps host devices out of reach", true, ""};
  }
  auto host = detect_cgroups();
  std::string why = device_program_unavailable_reason();
  std::string program = why.empty() ? "the v2 BPF program loads here too" : "the v2 BPF program: no, " + why;
  if (host && host.value().v1_mounts.count("devices")) {
    return {"device cgroup", "v1, at " + host.value().v1_mounts.at("devices") + " (" + program + ")",
            true, ""};
  }
  if (why.empty()) return {"device cgroup", "v2 BPF program (BPF_PROG_TYPE_CGROUP_DEVICE)", true, ""};
  return {"device cgroup", "no: " + why, false, "a kernel built with CONFIG_CGROUP_BPF"};
}

HostFact capabilities_fact() {
  return {"capabilities",
          fmt::format("{} known to this kernel; containers keep {} (docker's default)",
                      last_capability() + 1, capability_names(default_capabilities()).size()),
          true, ""};
}

// The default network, and whether the bridge exists yet (the first
// bridge container makes it; like docker0 it then stays).
HostFact network_fact() {
  if (::geteuid() != 0) {
    return {"network", "default none: a bridge needs root (rootless containers get only lo; "
                       "--network host shares the host's)", true, ""};
  }
  BridgeNetwork network;
  std::string bridge = ::access(("/sys/class/net/" + network.bridge).c_str(), F_OK) == 0
                           ? "present"
                           : "made by the first container";
  return {"network",
          fmt::format("default bridge: {} ({}), {}, gateway {}", network.bridge, bridge,
                      to_string(network.subnet), to_string(network.gateway)),
          true, ""};
}

}  // namespace

std::vector<HostFact> host_facts(const std::string& store_root) {
  return {kernel_fact(),         mode_fact(),
          cgroup_fact(),         delegation_fact(),
          userns_fact(),         root_fact(store_root, false),
          root_fact(store_root, true), idmap_fact(store_root),
          capabilities_fact(),   seccomp_fact(),
          devices_fact(),        network_fact()};
}

}  // namespace pocker
