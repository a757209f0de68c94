/// @file
/// @brief lv2: control groups, the kernel's resource limits.
///
/// A container's limits (`--cpus`, `--memory`, `--pids-limit`, ...) are files
/// in a cgroup directory: pocker makes a directory per container, writes the
/// limits into its interface files before the process runs, then moves the
/// process in. Two kernel interfaces exist, and a host mounts one of three
/// layouts:
///
/// - **v1** (Documentation/admin-guide/cgroup-v1/): one hierarchy per
///   controller (`/sys/fs/cgroup/memory`, `/sys/fs/cgroup/cpu`, ...), so a
///   container owns a directory in each hierarchy it uses.
/// - **v2** (Documentation/admin-guide/cgroup-v2.rst): one unified hierarchy,
///   one directory per container; controllers are switched on for children
///   through each parent's `cgroup.subtree_control`.
/// - **hybrid**: v1 controllers plus a cgroup2 mount (usually
///   `/sys/fs/cgroup/unified`) that holds no controllers.
///
/// Callers never ask which one they have: detect_cgroups() describes the host,
/// make_cgroup() picks the driver, and the Cgroup interface is the same for
/// both. Every path starts from an injectable root, so unit tests run the
/// drivers against a temporary directory without root.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pocker/devices.hpp"
#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker {

// ---------------------------------------------------------------------------
// Resources: what the user asked for.

/// The resource limits of one container, in docker's terms. Unset means
/// "no limit" (the cgroup default).
struct Resources {
  std::optional<double> cpus;         ///< --cpus: CPU time, in CPUs (0.5 = half of one)
  std::optional<uint64_t> memory;     ///< -m: memory limit in bytes
  /// --memory-swap: memory *plus* swap in bytes, -1 for unlimited swap. Unset
  /// with --memory set means twice --memory, as docker does.
  std::optional<int64_t> memory_swap;
  std::optional<int64_t> pids_limit;  ///< --pids-limit: > 0, or 0 / -1 for unlimited
  std::optional<std::string> cpuset_cpus;  ///< --cpuset-cpus: a CPU list such as `0-1,3`
  std::optional<uint64_t> cpu_shares;      ///< --cpu-shares: relative weight, 2..262144

  /// True when nothing is limited.
  bool empty() const;
};

/// The smallest memory limit docker accepts: below it a container cannot
/// even start its first process.
inline constexpr uint64_t kMinMemory = 6ULL << 20;

/// Checks `r` with docker's rules: --cpus from 0.01 to `host_cpus`, memory of
/// at least 6 MiB, --memory-swap at least --memory (or -1) and only with
/// --memory, --pids-limit -1 or more, --cpu-shares 2..262144, and every
/// --cpuset-cpus CPU in `online_cpus`. Errors are one line naming the value
/// and the accepted range.
Result<void> validate(const Resources& r, unsigned host_cpus,
                      const std::vector<unsigned>& online_cpus);

/// Memory plus swap as the drivers apply it: --memory-swap if set, otherwise
/// twice --memory when --memory is set (docker's default), otherwise unset.
/// -1 means unlimited swap.
std::optional<int64_t> effective_memory_swap(const Resources& r);

// ---------------------------------------------------------------------------
// The host: which cgroup layout is mounted where.

/// Which cgroup interface a host mounts: v1 (a hierarchy per controller),
/// hybrid (v1 controllers plus an empty cgroup2 mount), v2 (one unified
/// hierarchy), or none at all. It decides the driver make_cgroup() picks.
enum class CgroupLayout { kV1, kHybrid, kV2, kNone };

/// `v1`, `hybrid`, `v2` or `none`.
const char* layout_name(CgroupLayout layout);

/// The cgroup file systems this host has mounted.
struct CgroupHost {
  /// What is mounted; kNone until detect_cgroups() finds a cgroup mount.
  CgroupLayout layout = CgroupLayout::kNone;
  /// Where the cgroup mounts live, e.g. /sys/fs/cgroup: the unified mount on
  /// v2, the directory holding the controller mounts on v1 and hybrid.
  std::string root;
  /// v1 controller -> its mount directory, e.g. "memory" ->
  /// /sys/fs/cgroup/memory. Co-mounted controllers share a directory: "cpu"
  /// and "cpuacct" -> /sys/fs/cgroup/cpu,cpuacct.
  std::map<std::string, std::string> v1_mounts;
  /// The cgroup2 mount directory, or empty if none.
  std::string unified;
  /// The controllers the cgroup2 root offers (its cgroup.controllers).
  std::vector<std::string> v2_controllers;
};

/// Detects the layout from the text of /proc/self/mountinfo (see proc(5)):
/// mounts of type `cgroup` are v1 hierarchies, whose controllers are in the
/// super options (`rw,cpu,cpuacct`; a named hierarchy such as
/// `name=systemd` has none), and a `cgroup2` mount is the unified one.
/// `prefix` is put in front of every mount point, both in the result and
/// when reading `<unified>/cgroup.controllers`, so a test can describe a host
/// whose files live in a temporary directory.
Result<CgroupHost> detect_cgroups(std::string_view mountinfo_text, const std::string& prefix = "");

/// detect_cgroups() on this process's /proc/self/mountinfo.
Result<CgroupHost> detect_cgroups();

/// One line for `pocker info` and messages, e.g.
/// `cgroup v2 (unified at /sys/fs/cgroup; controllers: cpu memory pids cpuset)`.
std::string describe(const CgroupHost& host);

// ---------------------------------------------------------------------------
// The driver.

/// What a container's cgroup has used. A value is unset when the host does
/// not provide it (controller not mounted, or a kernel too old for the file).
struct CgroupStats {
  std::optional<uint64_t> cpu_usage_usec;  ///< CPU time used, microseconds
  std::optional<uint64_t> memory_current;  ///< memory in use now, bytes
  std::optional<uint64_t> memory_peak;     ///< highest memory use seen, bytes
  std::optional<uint64_t> pids_current;    ///< processes and threads now
  std::optional<uint64_t> oom_kills;       ///< processes the OOM killer ended
  std::optional<uint64_t> memory_limit;    ///< the memory limit, bytes; unset when there is none
  bool frozen = false;                     ///< frozen (or freezing) by freeze(true): `pocker pause`
};

/// How the drivers make and remove cgroup directories. cgroupfs is not an
/// ordinary file system: mkdir(2) fills a new directory with the interface
/// files, and rmdir(2) removes a directory that still lists them (failing
/// with EBUSY while a process is inside). An ordinary directory does
/// neither, so unit tests pass hooks that emulate the kernel; left empty,
/// the real mkdir(2) and rmdir(2) are used. Either way each call is traced.
struct CgroupDirOps {
  /// Makes one cgroup directory; empty: mkdir(2) with mode 0755.
  std::function<Result<void>(const std::string& path)> make_dir;
  /// Removes one cgroup directory; empty: rmdir(2).
  std::function<Result<void>(const std::string& path)> remove_dir;
};

/// A v1 `tasks` file opened for writing: how a process moves itself into
/// a cgroup (Cgroup::open_tasks(), cgroupfs::join_self()).
struct TasksFile {
  Fd fd;             ///< open for writing, close-on-exec
  std::string path;  ///< for messages
};

/// One container's cgroup: one directory on v2, one per controller
/// hierarchy on v1. Made by make_cgroup(); nothing happens on the file
/// system until create().
class Cgroup {
 public:
  virtual ~Cgroup();

  /// Makes the directories (and the missing parents). v2 switches the
  /// controllers on in `cgroup.subtree_control` top-down, v1 copies
  /// `cpuset.cpus`/`cpuset.mems` from the parent into each new cpuset. If
  /// it fails halfway, destroy() removes what it made.
  virtual Result<void> create() = 0;
  /// Writes the limits; call it before the process runs. Returns warnings
  /// for limits the host cannot apply but that are safe to ignore (a swap
  /// limit without swap accounting), and fails on the others.
  virtual Result<std::vector<std::string>> apply(const Resources& r) = 0;
  /// Applies the device cgroup's `rules` (include/pocker/devices.hpp);
  /// call it before the process runs. v1: lines written to the `devices`
  /// hierarchy's devices.deny and devices.allow (failing when that
  /// hierarchy is not mounted); v2: a BPF program attached to the
  /// directory. Empty `rules`: nothing is done.
  virtual Result<void> apply_devices(const std::vector<DeviceRule>& rules) = 0;
  /// Moves a process (all its threads) in: `cgroup.procs`, in every
  /// hierarchy on v1 where this cgroup has a directory (one made for
  /// fewer controllers has none in the others), failing if it has none.
  virtual Result<void> add_pid(pid_t pid) = 0;
  /// v2: the directory opened with O_DIRECTORY, for clone3's
  /// CLONE_INTO_CGROUP (the child starts inside, never outside). v1 has no
  /// such thing: fails with ENOTSUP, use add_pid().
  virtual Result<Fd> open_dir() = 0;
  /// v1: the `tasks` file of every hierarchy, opened for writing, so that
  /// the container's first process can move itself in (cgroupfs::
  /// join_self()) before it runs anything of the container. Cheaper than
  /// add_pid() from outside: a process moving itself by thread needs no
  /// system-wide lock. v2 has clone3's CLONE_INTO_CGROUP instead (open_dir())
  /// and fails with ENOTSUP.
  virtual Result<std::vector<TasksFile>> open_tasks() = 0;
  /// Reads the usage counters.
  virtual Result<CgroupStats> stats() = 0;
  /// Freezes (true) or thaws (false) every process inside.
  virtual Result<void> freeze(bool frozen) = 0;
  /// Kills what is still inside, waits (about 2 s at most) until it is
  /// empty, and removes the directories, with the parents that create()
  /// made when nothing else uses them. Ok if already gone; safe to repeat.
  virtual Result<void> destroy() = 0;
  /// The path inside the hierarchy, e.g. `/pocker/<id>` (the same on v1 and
  /// v2), for inspect and messages.
  virtual std::string path() const = 0;
  /// Every directory this cgroup owns: one on v2, one per hierarchy on v1.
  virtual std::vector<std::string> dirs() const = 0;
};

/// The driver for `host`: v2 on a pure v2 host (at the unified mount), v1
/// on v1 and hybrid hosts (the hybrid's cgroup2 mount has no controllers).
/// `relative_path` is like `pocker/<id>`; `..` and empty parts are refused.
/// `controllers`, as from v1_controllers_for(), names on v1 the hierarchies
/// to use, and on v2 the controllers to switch on in the levels above the
/// cgroup (names v2 lacks, like cpuacct, are skipped). Empty means every one
/// pocker knows, which is what joining or removing a container's cgroup by
/// its path needs.
Result<std::unique_ptr<Cgroup>> make_cgroup(const CgroupHost& host,
                                            const std::string& relative_path,
                                            const CgroupDirOps& ops = {},
                                            const std::vector<std::string>& controllers = {});

/// The controllers a container limited by `r` needs. Always the three
/// whose counters pocker reads (memory: usage and OOM kills, cpuacct: CPU
/// time, pids: tasks) and devices (every container gets device rules);
/// cpu and cpuset only for their limits, and freezer never (nothing
/// freezes a container yet). On v1 each hierarchy left out
/// is two directories fewer to make and remove at every start (about 0.1 ms
/// each); v2 has no cpuacct, and switches on only the others listed.
std::vector<std::string> v1_controllers_for(const Resources& r);

/// The v2 driver, at the cgroup2 mount `unified` (make_cgroup() picks it on
/// a v2 host; usable directly on a hybrid host's controller-less mount).
/// Only `controllers` are switched on above it (empty: cpu, memory, pids
/// and cpuset): each controller switched on costs every start and removal.
Result<std::unique_ptr<Cgroup>> make_cgroup_v2(const std::string& unified,
                                               const std::string& relative_path,
                                               const CgroupDirOps& ops = {},
                                               const std::vector<std::string>& controllers = {});

/// The v1 driver over the controller mounts `v1_mounts` (as in CgroupHost),
/// in the hierarchies of `controllers` (empty: every one pocker uses).
Result<std::unique_ptr<Cgroup>> make_cgroup_v1(const std::map<std::string, std::string>& v1_mounts,
                                               const std::string& relative_path,
                                               const CgroupDirOps& ops = {},
                                               const std::vector<std::string>& controllers = {});

/// The cgroups under `parent` (e.g. `pocker`) with no process left, as
/// relative paths like `pocker/<id>`: what a pocker killed by SIGKILL
/// leaves behind. A cgroup made a moment ago may be empty too, so callers
/// skip the containers they know to be starting.
Result<std::vector<std::string>> find_stale_cgroups(const CgroupHost& host,
                                                    const std::string& parent = "pocker",
                                                    const CgroupDirOps& ops = {});

/// Destroys each of find_stale_cgroups() for which `keep` (if given) is
/// false; returns the relative paths it removed.
Result<std::vector<std::string>> cleanup_stale_cgroups(
    const CgroupHost& host, const std::string& parent = "pocker",
    const std::function<bool(const std::string& relative_path)>& keep = {},
    const CgroupDirOps& ops = {});

// ---------------------------------------------------------------------------
// Rootless: the cgroup v2 subtree delegated to the caller
// (Documentation/admin-guide/cgroup-v2.rst, "Delegation"; the rules are
// explained at the top of src/cgroup/delegation.cpp).

/// What find_delegation() looks at, injectable so tests can describe any
/// caller and any owner without root.
struct DelegationProbe {
  uid_t uid = 0;                 ///< the caller's effective uid
  std::string proc_self_cgroup;  ///< the text of /proc/self/cgroup
  /// The owner of a file, or nullopt when it cannot be found. Empty: stat(2).
  std::function<std::optional<uid_t>(const std::string& path)> owner;
};

/// The cgroup v2 subtree a rootless pocker may use. Paths are inside the
/// hierarchy (as /proc/self/cgroup writes them), such as
/// `/user.slice/user-1000.slice/user@1000.service`.
struct Delegation {
  /// The caller's own cgroup (the `0::` line of /proc/self/cgroup), or
  /// empty when it was not found.
  std::string own;
  /// The top of the delegated subtree: the highest cgroup, `own` or one of
  /// its ancestors, that belongs to the caller with every level between.
  /// pocker makes its cgroups right below it, in `<top>/pocker/<id>`.
  /// Empty when `own` is not the caller's.
  std::string top;
  /// What root delegated: the top's cgroup.controllers.
  std::vector<std::string> controllers;
  /// Empty when pocker can use `top`; otherwise why it cannot, such as
  /// `your cgroup /user.slice/user-1000.slice/session-2.scope belongs to uid 0`.
  std::string why_not;
  /// When why_not is set: one line on how to get a delegated subtree.
  std::string fix;

  /// True when pocker can make its cgroups under `top`.
  bool found() const { return why_not.empty(); }
};

/// Finds the subtree of `host` (a pure v2 host; v1 and hybrid cannot be
/// delegated safely) delegated to `probe.uid`: the caller's cgroup must be
/// the caller's, and its top must hold no process, since a cgroup with
/// processes cannot give controllers to its children (cgroup-v2.rst, "No
/// Internal Process Constraint"). Never fails: what is missing is in
/// Delegation::why_not and Delegation::fix.
Delegation find_delegation(const CgroupHost& host, const DelegationProbe& probe);

/// find_delegation() for this process: its euid, its /proc/self/cgroup,
/// and the owners stat(2) reports.
Delegation find_delegation(const CgroupHost& host);

/// The v2 controllers the limits in `r` need: cpu for --cpus and
/// --cpu-shares, memory for --memory and --memory-swap, pids for
/// --pids-limit, cpuset for --cpuset-cpus.
std::vector<std::string> v2_controllers_for(const Resources& r);

/// Empty when `d` offers every controller in `needed`; otherwise one line
/// naming the ones missing and how to have them delegated.
std::string missing_controllers(const Delegation& d, const std::vector<std::string>& needed);

/// For a rootless pocker about to apply `r`: `host` re-rooted at the
/// delegated top, to give to make_cgroup() and cleanup_stale_cgroups() in
/// place of the host itself, so that `pocker/<id>` is made under `d.top`.
/// Fails with one line saying what is missing and how to fix it when `d`
/// was not found, or lacks a controller that `r` needs.
Result<CgroupHost> delegated_host(const CgroupHost& host, const Delegation& d,
                                  const Resources& r);

// ---------------------------------------------------------------------------
// Building blocks the drivers share (public so tests and `pocker info` can
// use them too).
namespace cgroupfs {

/// The value of `key` in a flat-keyed file (`key value` per line, as
/// cpu.stat, memory.events and v1 memory.oom_control are), or nullopt.
std::optional<uint64_t> keyed_value(std::string_view text, std::string_view key);

/// Whether `path` exists.
bool exists(const std::string& path);

/// `text` as a number, or nullopt when it is not one ("max", empty).
std::optional<uint64_t> number_in(std::string_view text);

/// Reads a file holding one number, such as memory.current.
Result<uint64_t> read_number(const std::string& path);

/// Reads a file and strips the trailing newline.
Result<std::string> read_trimmed(const std::string& path);

/// The pids listed in a cgroup.procs file.
Result<std::vector<pid_t>> read_pids(const std::string& procs_file);

/// mkdir, traced; true if it made the directory, false if it was there.
Result<bool> make_dir(const CgroupDirOps& ops, const std::string& path);

/// rmdir, traced; ok when the directory is already gone.
Result<void> remove_dir(const CgroupDirOps& ops, const std::string& path);

/// Splits `pocker/<id>` into checked parts; refuses empty parts and `..`.
Result<std::vector<std::string>> split_relative(const std::string& relative_path);

/// Empties and removes `leaf_dirs` with any cgroups nested inside them:
/// runs `first_step` once (v2 writes cgroup.kill, v1 kills and thaws),
/// then every 10 ms for about 2 s sends SIGKILL to any process listed in
/// cgroup.procs not yet signalled, and removes each directory that is
/// empty, deepest first.
/// Processes take a moment to exit, and rmdir fails with EBUSY until then.
Result<void> kill_and_remove(const CgroupDirOps& ops, const std::vector<std::string>& leaf_dirs,
                             const std::function<void()>& first_step);

/// Removes each of `dirs` that is empty (rmdir alone, no reads) and
/// returns the ones still there: busy with a process or a child cgroup, or
/// refused for another reason. Gone already counts as removed.
std::vector<std::string> remove_if_empty(const CgroupDirOps& ops,
                                         const std::vector<std::string>& dirs);

/// Removes `dirs` in reverse order (children before parents), leaving any
/// that another cgroup still uses; failures are traced, not returned.
void remove_unused(const CgroupDirOps& ops, const std::vector<std::string>& dirs);

/// Moves the calling thread into each cgroup whose v1 `tasks` file is
/// open in `tasks_files` (from Cgroup::open_tasks()), by writing "0".
Result<void> join_self(const std::vector<TasksFile>& tasks_files);

/// Sends SIGKILL once to every pid the cgroup.procs files list (a v1
/// process appears in each hierarchy), traced. Never signals pid 1 or
/// ourselves, whatever the files say.
void kill_listed(const std::vector<std::string>& procs_files);

}  // namespace cgroupfs

}  // namespace pocker
