/// @file
/// @brief ContainerSpec: everything the runtime needs to know about one container.
///
/// The command line (and later an image config or an OCI config.json) fills
/// one ContainerSpec; it is validated once, and the runtime reads only the
/// spec. It never sees a command-line flag.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "pocker/cgroup.hpp"
#include "pocker/error.hpp"
#include "pocker/namespaces.hpp"
#include "pocker/ports.hpp"
#include "pocker/security.hpp"

namespace pocker {

/// The process that runs inside the container.
struct ProcessSpec {
  std::vector<std::string> args;  ///< argv; args[0] is looked up in PATH
  std::vector<std::string> env;   ///< KEY=VALUE, exactly what the process sees
  std::string cwd = "/";          ///< working directory inside the root
  std::optional<uid_t> uid;       ///< -u; unset keeps the caller's (root) uid
  std::optional<gid_t> gid;       ///< the group for `uid`; unset keeps the caller's (root) gid
  std::string user;               ///< -u as given, resolved inside the root
  bool interactive = false;       ///< -i: keep stdin attached
  bool terminal = false;          ///< -t: allocate a pty
};

/// The default PATH inside a container, as docker sets it.
inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// A mount added by the user: -v HOST:CTR[:ro] (a bind) or --tmpfs PATH.
struct MountSpec {
  std::string source;  ///< host path for a bind; unused for tmpfs
  std::string target;  ///< absolute path inside the container
  std::string type;    ///< "bind", "tmpfs", or "generated" (a file pocker made, like /etc/hosts: bound if it exists)
  bool read_only = false;  ///< `:ro`: mounted read-only
};

/// Everything about one container.
struct ContainerSpec {
  std::string id;        ///< 64 hex characters
  std::string name;      ///< --name, or a generated one
  std::string image;     ///< image name as given, empty with --rootfs
  std::string image_ref;     ///< the image's reference, normalised (docker.io/library/busybox:latest)
  std::string image_digest;  ///< the digest of the image's manifest when the container was made
  std::string image_id;      ///< the digest of its config: docker's image id
  std::string rootfs;    ///< the directory that becomes `/` (with an image: the overlay's mount point)
  bool rootfs_is_image = false;  ///< true when `/` is an overlay of `layers`
  std::vector<std::string> layers;  ///< the image's unpacked layers, top first (overlay lowerdir)
  std::string hostname;  ///< -h; empty means the first 12 characters of the id
  ProcessSpec process;   ///< the command and how it runs
  NamespaceConfig namespaces;  ///< which namespaces it gets (the host's opt-outs applied)
  /// --network: `none` (a namespace with only lo), `host` (no namespace)
  /// or `bridge` (lvX: a veth on the default bridge, pocker0). Rootless
  /// pocker has no bridge: its default is `none`.
  std::string network = "none";
  /// -p and -P: the ports published on the host (bridge networks only);
  /// a host port of 0 is chosen at each start.
  std::vector<PortMapping> ports;
  /// A user network's id (`--network NAME`, whose name is `network`), or
  /// with `--network container:C` (`network` is `container:<C's id>`) C's
  /// id; empty otherwise.
  std::string network_id;
  std::string ip;                         ///< --ip on a user network; empty: the lowest free address
  std::vector<std::string> aliases;       ///< --network-alias: more names on a user network
  std::vector<std::string> extra_hosts;   ///< --add-host NAME:IP, checked
  std::vector<std::string> dns;           ///< --dns: the resolvers in /etc/resolv.conf
  std::string userns;          ///< --userns as given (`host`, `remap`, `UID:COUNT`); empty if not
  std::vector<IdMap> uid_map;  ///< root with --userns: the uid map to write; empty when rootless
  std::vector<IdMap> gid_map;  ///< the same for gids (rootless maps are made at start)
  Resources resources;    ///< lv2: --cpus, --memory, ... (validated by the CLI)
  bool no_pivot = false;  ///< --no-pivot: chroot instead of pivot_root
  bool remove = false;    ///< --rm: delete the container's files when it ends
  std::string state_dir;  ///< `<root>/containers/<id>`: the overlay's upper and work dirs
  bool init = false;      ///< --init: a small PID 1 that reaps and forwards signals
  bool read_only = false; ///< --read-only: the root file system is mounted read-only
  std::vector<MountSpec> mounts;  ///< -v and --tmpfs, mounted in order
  SecuritySpec security;  ///< capabilities, seccomp, devices, no_new_privs
};

/// Builds the container environment: the default PATH and HOSTNAME-like
/// basics first, then `-e` entries, later ones winning. `KEY` alone takes
/// the value from `host_env` (docker does the same); a missing one is dropped.
Result<std::vector<std::string>> build_env(const std::vector<std::string>& user_env,
                                           char** host_env);

/// Returns 64 random hex characters from getrandom(2).
std::string new_container_id();
/// `bytes` random bytes from getrandom(2), as lower-case hex (ids of
/// containers, networks and registry uploads).
std::string random_hex(size_t bytes);

}  // namespace pocker
