// Rootless cgroups: the cgroup v2 subtree delegated to the caller.
//
// Only root may make cgroups, except where root has handed a subtree to a
// user: chowned a cgroup directory and its cgroup.procs,
// cgroup.subtree_control and cgroup.threads to them
// (Documentation/admin-guide/cgroup-v2.rst, "Delegation"). systemd does it
// for a unit with Delegate=yes and a User=: user@UID.service, the user's own
// service manager, is one. Everything that manager makes below it (app.slice,
// the scope of `systemd-run --user --scope`) then belongs to the user too.
//
// Three rules of the kernel decide what pocker looks for and where it puts a
// container's cgroup:
//  1. Ownership. A cgroup's files are written with the usual permission
//     check, so each level pocker writes must be the caller's. pocker checks
//     the directory, cgroup.procs and cgroup.subtree_control: the files it
//     writes ("Model of Delegation").
//  2. Moving a process (a pid written to cgroup.procs, or clone3's
//     CLONE_INTO_CGROUP) needs write access to cgroup.procs of the *common
//     ancestor* of the source and the destination ("Delegation
//     Containment"). The container's first process starts from pocker's own
//     cgroup, so the container's cgroup must be in the same delegated
//     subtree as pocker's own cgroup.
//  3. "No Internal Process Constraint": a non-root cgroup that holds
//     processes cannot enable controllers in its cgroup.subtree_control,
//     and one with controllers enabled there cannot take processes. So the
//     level pocker builds on must hold no process. pocker's own cgroup always
//     holds one (pocker), so it is never that level.
//
// The subtree's top is the highest ancestor of pocker's own cgroup (itself
// included) that is the caller's, with every level in between the caller's
// too. pocker makes its cgroups right below the top, in `<top>/pocker/<id>`,
// and not next to or below its own cgroup, because:
//  - the top is where the delegated controllers arrive: its
//    cgroup.controllers is exactly what root gave, and pocker can switch
//    them on in its cgroup.subtree_control (rule 3 allows it: systemd keeps
//    processes out of the cgroups it splits, user@UID.service's manager
//    itself runs in init.scope);
//  - any two cgroups of the subtree have a common ancestor in it, so every
//    pocker of this user (another scope, a later `pocker exec`) may move
//    processes in and out (rule 2);
//  - it is one place per user: the next pocker finds what a killed pocker
//    left there, whatever scope it runs in.
// When the top holds processes (pocker started in a delegated system service
// or scope that is itself the top), no cgroup below it can get the memory
// controller at all (rule 3). pocker moves no process of anybody else's: it
// stops and says how to move them.
//
// systemd's guide to delegation asks a program in a delegated scope to stay
// inside that scope. That would mean moving pocker itself (and the shell
// that started it, in a shell's scope) into a child cgroup first. pocker
// leaves every process where it is instead, and builds on the top, which
// the user's manager keeps empty. systemd may later try to switch a
// controller off there; the kernel refuses while `pocker` below still uses
// it ("Top-down Constraint").
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"

namespace pocker {
namespace {

constexpr const char* kDelegateFix =
    "start pocker in a cgroup delegated to you, from a login session that has systemd --user: "
    "systemd-run --user --scope -p Delegate=yes -- pocker run ...";

std::optional<uid_t> stat_owner(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) return std::nullopt;
  return st.st_uid;
}

std::string joined(const std::vector<std::string>& words, const char* sep = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

std::vector<std::string> words_in(const std::string& path) {
  std::vector<std::string> words;
  auto text = read_file(path);
  std::istringstream in(text ? text.value() : std::string());
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// The path of the `0::` line (proc(7), /proc/pid/cgroup: the cgroup v2
// hierarchy has id 0 and no controller list), or empty.
std::string own_cgroup(const std::string& proc_self_cgroup) {
  std::istringstream lines(proc_self_cgroup);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return "";
}

std::string parent_of(const std::string& cgroup) {
  size_t slash = cgroup.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : cgroup.substr(0, slash);
}

// The directory of a cgroup path below the cgroup2 mount.
std::string dir_of(const CgroupHost& host, const std::string& cgroup) {
  return cgroup == "/" ? host.unified : host.unified + cgroup;
}

// Empty when the cgroup at `dir` is the caller's (rule 1); otherwise what
// is not, for messages.
std::string not_yours(const std::string& dir, const DelegationProbe& probe) {
  auto owner_of = probe.owner ? probe.owner : stat_owner;
  for (const char* file : {"", "/cgroup.procs", "/cgroup.subtree_control"}) {
    auto owner = owner_of(dir + file);
    if (!owner) return fmt::format("cannot be checked ({}{} cannot be read)", dir, file);
    if (*owner != probe.uid) {
      return fmt::format("belongs to uid {}{}", *owner,
                         *file ? fmt::format(" (its {})", file + 1) : std::string());
    }
  }
  return "";
}

// The flags of `r` that need `controller`, for messages.
std::string flags_needing(const Resources& r, const std::string& controller) {
  std::vector<std::string> flags;
  if (controller == "cpu" && r.cpus) flags.push_back("--cpus");
  if (controller == "cpu" && r.cpu_shares) flags.push_back("--cpu-shares");
  if (controller == "memory" && r.memory) flags.push_back("--memory");
  if (controller == "memory" && r.memory_swap) flags.push_back("--memory-swap");
  if (controller == "pids" && r.pids_limit) flags.push_back("--pids-limit");
  if (controller == "cpuset" && r.cpuset_cpus) flags.push_back("--cpuset-cpus");
  return joined(flags);
}

std::string limit_flags(const Resources& r) {
  std::vector<std::string> flags;
  for (const char* c : {"cpu", "memory", "pids", "cpuset"}) {
    std::string f = flags_needing(r, c);
    if (!f.empty()) flags.push_back(f);
  }
  return flags.empty() ? "" : " (" + joined(flags) + ")";
}

// How root delegates more controllers. systemd's user@.service delegates
// only some by default (which ones depends on the version), and a drop-in
// adds the others.
std::string controller_fix(const Delegation& d) {
  std::string unit = d.top.substr(d.top.rfind('/') + 1);
  if (unit.rfind("user@", 0) == 0) {
    return "as root, put `Delegate=cpu cpuset memory pids` under [Service] in "
           "/etc/systemd/system/user@.service.d/delegate.conf, run `systemctl daemon-reload`, "
           "and log in again";
  }
  return fmt::format("as root, give the systemd unit {} `Delegate=cpu cpuset memory pids`, or "
                     "enable them in the cgroup.subtree_control above {}",
                     unit, d.top);
}

std::string missing_text(const Delegation& d, const std::vector<std::string>& needed,
                         const Resources* r) {
  std::vector<std::string> missing;
  for (const auto& c : needed) {
    if (std::find(d.controllers.begin(), d.controllers.end(), c) != d.controllers.end()) continue;
    std::string flags = r ? flags_needing(*r, c) : "";
    missing.push_back(flags.empty() ? c : c + " (" + flags + ")");
  }
  if (missing.empty()) return "";
  return fmt::format("controller{} {} {} not delegated to you: {} offers {}; {}",
                     missing.size() > 1 ? "s" : "", joined(missing, ", "),
                     missing.size() > 1 ? "are" : "is", d.top,
                     d.controllers.empty() ? std::string("none") : "only " + joined(d.controllers),
                     controller_fix(d));
}

}  // namespace

Delegation find_delegation(const CgroupHost& host, const DelegationProbe& probe) {
  Delegation d;
  if (host.layout != CgroupLayout::kV2) {
    if (host.layout == CgroupLayout::kNone) {
      d.why_not = "no cgroup file system is mounted";
      d.fix = "ask root to mount cgroup2 on /sys/fs/cgroup";
    } else {
      d.why_not = fmt::format("this host has {} cgroups, and cgroup v1 cannot be delegated safely",
                              layout_name(host.layout));
      d.fix = "run as root to set limits here, or boot with systemd.unified_cgroup_hierarchy=1 "
              "to get cgroup v2";
    }
    return d;
  }
  d.own = own_cgroup(probe.proc_self_cgroup);
  if (d.own.empty() || d.own[0] != '/' || d.own.rfind("/..", 0) == 0) {
    // "/.." starts a cgroup outside our cgroup namespace (cgroup_namespaces(7)):
    // the mount does not show it.
    d.why_not = d.own.empty() ? "/proc/self/cgroup has no cgroup v2 line (0::)"
                              : "your cgroup " + d.own + " is outside this cgroup namespace";
    d.fix = "run pocker where the cgroup2 mount shows its own cgroup";
    return d;
  }
  if (auto why = not_yours(dir_of(host, d.own), probe); !why.empty()) {
    d.why_not = fmt::format("your cgroup {} {}", d.own, why);
    d.fix = kDelegateFix;
    return d;
  }
  // Up while the parent is the caller's too: rule 2 wants the highest.
  d.top = d.own;
  while (d.top != "/" && not_yours(dir_of(host, parent_of(d.top)), probe).empty()) {
    d.top = parent_of(d.top);
  }
  std::string top_dir = dir_of(host, d.top);
  d.controllers = words_in(top_dir + "/cgroup.controllers");
  // The root cgroup is exempt from rule 3, every other one is not.
  auto pids = cgroupfs::read_pids(top_dir + "/cgroup.procs");
  if (d.top != "/" && pids && !pids.value().empty()) {
    bool only_us = d.top == d.own && pids.value().size() == 1 &&
                   pids.value()[0] == ::getpid();
    d.why_not = fmt::format(
        "{}, the top of the cgroup subtree delegated to you, holds {}, and a cgroup with "
        "processes cannot give controllers to its children",
        d.top, only_us ? "pocker itself" : fmt::format("{} process(es)", pids.value().size()));
    d.fix = fmt::format("move them into a child cgroup first; for a shell: "
                        "mkdir {0}/shell && echo $$ > {0}/shell/cgroup.procs",
                        top_dir);
  }
  return d;
}

Delegation find_delegation(const CgroupHost& host) {
  DelegationProbe probe;
  probe.uid = ::geteuid();
  auto text = read_file("/proc/self/cgroup");
  if (text) probe.proc_self_cgroup = text.value();
  return find_delegation(host, probe);
}

std::vector<std::string> v2_controllers_for(const Resources& r) {
  std::vector<std::string> controllers;
  if (r.cpus || r.cpu_shares) controllers.push_back("cpu");
  if (r.memory || r.memory_swap) controllers.push_back("memory");
  if (r.pids_limit) controllers.push_back("pids");
  if (r.cpuset_cpus) controllers.push_back("cpuset");
  return controllers;
}

std::string missing_controllers(const Delegation& d, const std::vector<std::string>& needed) {
  return missing_text(d, needed, nullptr);
}

Result<CgroupHost> delegated_host(const CgroupHost& host, const Delegation& d,
                                  const Resources& r) {
  if (!d.found()) {
    return user_error("rootless limits{} need a cgroup v2 subtree delegated to you, but {}: {}",
                      limit_flags(r), d.why_not, d.fix);
  }
  if (std::string missing = missing_text(d, v2_controllers_for(r), &r); !missing.empty()) {
    return user_error("{}", missing);
  }
  CgroupHost delegated;
  delegated.layout = CgroupLayout::kV2;
  delegated.unified = dir_of(host, d.top);
  delegated.root = delegated.unified;
  delegated.v2_controllers = d.controllers;
  return delegated;
}

}  // namespace pocker
