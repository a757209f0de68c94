/// @file
/// @brief lv1: the seven namespaces and their per-namespace steps.
///
/// Each namespace has a small module under src/ns/ with the step it needs
/// on the child side (after clone, before exec) and, for the user
/// namespace, on the parent side (writing the id maps).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker {

/// Which namespaces a container gets. All but user are on by default; the
/// `host` opt-outs (--pid host, --uts host, --ipc host, --network host)
/// turn one off and share the host's instead.
struct NamespaceConfig {
  bool mount = true;   ///< CLONE_NEWNS: its own mounts, so it can have its own root
  bool uts = true;     ///< CLONE_NEWUTS: its own hostname (off with --uts host)
  bool ipc = true;     ///< CLONE_NEWIPC: its own SysV IPC and mqueues (off with --ipc host)
  bool pid = true;     ///< CLONE_NEWPID: its own pids, the command is PID 1 (off with --pid host)
  bool net = true;     ///< CLONE_NEWNET: only its own `lo` (off with --network host)
  bool cgroup = true;  ///< cgroup namespace: unshared by the child, see clone_flags()
  bool user = false;   ///< on for rootless runs, and for root with --userns
};

/// The CLONE_NEW* flags to create at clone time. CLONE_NEWCGROUP is left
/// out on purpose: the child unshares it after the parent has put it into
/// its cgroup, so that cgroup becomes the root of its view.
uint64_t clone_flags(const NamespaceConfig& config);

/// One line of /proc/PID/uid_map or gid_map: `inside outside count`.
struct IdMap {
  uint32_t inside = 0;   ///< first id as the container sees it
  uint32_t outside = 0;  ///< the id it is on the host (in pocker's user namespace)
  uint32_t count = 1;    ///< how many consecutive ids the line maps
};

/// The host id that id 0 inside maps to (the container's root, outside),
/// or nothing when `map` does not map 0.
std::optional<uint32_t> outside_of_root(const std::vector<IdMap>& map);

/// UTS, child side: set the container's hostname.
Result<void> uts_set_hostname(const std::string& hostname);

/// Network, child side: a new network namespace starts with `lo` down;
/// bring it up so 127.0.0.1 works inside.
Result<void> net_bring_up_loopback();

/// Cgroup, child side: unshare the cgroup namespace, making the current
/// cgroup the root of what /proc/self/cgroup shows.
Result<void> cgroupns_enter();

/// User, parent side: write the child's uid and gid maps. A single-line
/// map of the caller's own ids is written directly (after setgroups deny,
/// as user_namespaces(7) requires); wider maps go through newuidmap and
/// newgidmap, which check /etc/subuid and /etc/subgid.
Result<void> user_write_maps(pid_t child, const std::vector<IdMap>& uids,
                             const std::vector<IdMap>& gids);

/// A namespace of another process, opened to be joined with setns(2).
struct NamespaceHandle {
  Fd fd;             ///< /proc/PID/ns/NAME, opened
  int flag = 0;      ///< its CLONE_NEW* flag, checked by setns
  std::string name;  ///< `mnt`, `uts`, ...
};

/// Opens those of `names` (in that order) in which `pid` differs from us:
/// joining a namespace we are already in is pointless, and for the user
/// namespace an error (EINVAL).
Result<std::vector<NamespaceHandle>> open_namespaces(pid_t pid, const std::vector<std::string>& names);

/// Joins each opened namespace with setns(2), in order. Joining `mnt` also
/// moves this process's root and cwd to the target's root.
Result<void> join_namespaces(const std::vector<NamespaceHandle>& namespaces);

/// The maps a rootless run uses: root inside is the caller outside, plus
/// the caller's /etc/subuid and /etc/subgid ranges when newuidmap exists.
void rootless_maps(std::vector<IdMap>& uids, std::vector<IdMap>& gids);

/// `--userns remap` takes this name's range from /etc/subuid and
/// /etc/subgid, as docker's userns-remap takes `dockremap`'s.
inline constexpr const char* kRemapUser = "pocker";

/// What `--userns` asks of a pocker run by root.
struct UsernsChoice {
  bool enabled = false;     ///< false for `host`: no user namespace
  std::vector<IdMap> uids;  ///< with `enabled`: one line, 0 inside to the host range
  std::vector<IdMap> gids;  ///< the same for groups
};

/// Parses `--userns VALUE` for root: `host` (no user namespace), `remap`
/// (the first range of kRemapUser in the texts of /etc/subuid and
/// /etc/subgid) or `UID:COUNT` (uids and gids 0..COUNT-1 inside are
/// UID..UID+COUNT-1 outside). Errors name the value and say what is valid.
Result<UsernsChoice> parse_userns(const std::string& value, const std::string& subuid,
                                  const std::string& subgid);

/// User, child side, when root made the namespace: the child is still
/// host uid 0, which the map does not contain, so it shows as 65534 and
/// may not create files. setresgid/setgroups/setresuid(0) make it the
/// namespace's root (the first uid of the host range) and keep its
/// capabilities there.
Result<void> become_namespace_root();

}  // namespace pocker
