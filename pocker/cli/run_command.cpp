// `pocker run`: flags in, one validated ContainerSpec out, then the runtime.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "commands.hpp"
#include "resource_flags.hpp"
#include "pocker/cgroup.hpp"
#include "pocker/collect.hpp"
#include "pocker/fs.hpp"
#include "pocker/image.hpp"
#include "pocker/registry.hpp"
#include "pocker/lifecycle.hpp"
#include "pocker/names.hpp"
#include "pocker/parse.hpp"
#include "pocker/ports.hpp"
#include "pocker/runtime.hpp"
#include "pocker/spec.hpp"
#include "pocker/user_network.hpp"

extern char** environ;

namespace pocker::cli {
namespace {

struct RunFlags {
  bool interactive = false;
  bool terminal = false;
  bool remove = false;
  std::vector<std::string> env;
  std::vector<std::string> env_files;
  std::string workdir;
  std::string user;
  std::string rootfs;
  std::optional<std::string> entrypoint;  // set, even to "": replaces the image's
  std::string pull = "missing";  // --pull: missing (docker's default), always, never
  std::string hostname;
  std::string pid_mode, uts_mode, ipc_mode, network_mode;
  std::string ip;
  std::vector<std::string> aliases, add_hosts, dns;
  std::optional<std::string> userns;  // unset: the default (host as root, rootless otherwise)
  bool no_pivot = false;
  bool detach = false;
  bool init = false;
  bool read_only = false;
  std::vector<std::string> volumes;
  std::vector<std::string> tmpfs;
  std::string name;
  ResourceFlags resources;  // lv2, parsed and validated in make_spec
  // security, checked in make_spec by make_security_spec
  std::vector<std::string> publish;  // -p
  bool publish_all = false;          // -P
  bool privileged = false;
  std::vector<std::string> cap_add, cap_drop, security_opts, devices, device_cgroup_rules;
};

// --cpus, --memory and friends: docker's units and rules, checked before
// anything is created.
Result<Resources> make_resources(const ResourceFlags& flags) {
  Resources r = TRY(parse_resources(flags));
  auto online = TRY(host_online_cpus());
  TRY(validate(r, host_cpu_count(), online));
  return r;
}

// --env-file: KEY=VALUE lines; blank lines and # comments are skipped.
Result<void> read_env_file(const std::string& path, std::vector<std::string>& out) {
  std::ifstream in(path);
  if (!in) return sys_error("open env file {}", path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return ok();
}

// -v HOST:CTR[:ro|rw]. The host path must exist: docker would create a
// missing one, which hides typos; pocker says so instead.
Result<MountSpec> parse_volume(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return user_error("invalid volume \"{}\": use -v HOST_PATH:CONTAINER_PATH[:ro]", text);
  }
  bool read_only = false;
  if (parts.size() == 3) {
    if (parts[2] != "ro" && parts[2] != "rw") {
      return user_error("invalid volume \"{}\": the mode must be ro or rw", text);
    }
    read_only = parts[2] == "ro";
  }
  if (parts[1][0] != '/') return user_error("invalid volume \"{}\": {} is not an absolute path", text, parts[1]);
  char* real = ::realpath(parts[0].c_str(), nullptr);
  if (!real) return sys_error("volume source {}", parts[0]);
  std::string source = real;
  ::free(real);
  return MountSpec{source, parts[1], "bind", read_only};
}

// --network: none, host, bridge, a user network or container:C. As
// docker, the default is bridge; a rootless pocker has no bridge (it needs
// root), so its default is none.
Result<void> apply_network(const RunFlags& flags, const Globals& globals, ContainerSpec& spec) {
  bool root = ::geteuid() == 0;
  const std::string& given = flags.network_mode;
  std::string mode = given.empty() ? (root ? "bridge" : "none") : given;
  bool builtin = mode == "none" || mode == "host" || mode == "bridge";
  if (!builtin && !root) {
    return user_error("--network {}: user networks and container: need root, and this pocker is rootless "
                      "(use none or host)", mode);
  }
  if (mode == "bridge" && !root) {
    return user_error("--network bridge: a bridge needs root, and this pocker is rootless "
                      "(use none or host)");
  }
  spec.namespaces.net = mode != "host";
  if (mode.rfind("container:", 0) == 0) {
    // Its network namespace, joined at start: no namespace of our own.
    StateStore store(globals.root);
    std::string other = TRY_CTX(store.resolve(mode.substr(10)), "--network " + mode);
    ContainerState state = TRY(store.load(other));
    if (state.status != "running") {
      return user_error("--network {}: container {} is not running", mode, state.name);
    }
    spec.network = "container:" + other;
    spec.network_id = other;
    spec.namespaces.net = false;
    if (!flags.ip.empty() || !flags.aliases.empty() || !flags.dns.empty() || !flags.add_hosts.empty() ||
        !flags.hostname.empty()) {
      return user_error("--network {}: --ip, --network-alias, --dns, --add-host and -h belong to "
                        "that container's network, not this one", mode);
    }
  } else if (!builtin) {
    UserNetwork network = TRY_CTX(NetworkStore(globals.root).find(mode), "--network " + mode);
    spec.network = network.name;
    spec.network_id = network.id;
    if (!flags.ip.empty()) {
      Ipv4 ip = TRY(parse_ipv4(flags.ip));
      if (!network.subnet.contains(ip) || ip == network.subnet.network() ||
          ip == network.subnet.broadcast() || ip == network.gateway) {
        return user_error("--ip {}: not a free host address of network {} ({}, gateway {})", flags.ip,
                          network.name, to_string(network.subnet), to_string(network.gateway));
      }
      spec.ip = flags.ip;
    }
  } else {
    spec.network = mode;
  }
  if (spec.network_id.empty() && (!flags.ip.empty() || !flags.aliases.empty())) {
    return user_error("--ip and --network-alias need a user network (pocker network create)");
  }
  for (const std::string& alias : flags.aliases) TRY(check_host_name(alias, "--network-alias"));
  spec.aliases = flags.aliases;
  for (const std::string& entry : flags.add_hosts) TRY(parse_add_host(entry));
  spec.extra_hosts = flags.add_hosts;
  for (const std::string& server : flags.dns) {
    auto ip = parse_ipv4(server);
    if (!ip) return user_error("--dns {}: {}", server, ip.error().message());
  }
  spec.dns = flags.dns;
  return ok();
}

// -p and -P: every value checked here, before anything is made. The
// host ports themselves are bound when the container starts.
Result<std::vector<PortMapping>> make_ports(const RunFlags& flags, const ImageConfig* image,
                                            const std::string& network) {
  std::vector<PortMapping> ports;
  for (const auto& text : flags.publish) ports.push_back(TRY_CTX(parse_publish(text), "-p"));
  if (flags.publish_all && image) {
    for (const auto& key : image->exposed_ports) {
      PortMapping exposed = TRY_CTX(parse_exposed_port(key), "-P: the image's ExposedPorts");
      // A port published with -p keeps its -p binding.
      bool given = std::any_of(ports.begin(), ports.end(), [&](const PortMapping& m) {
        return m.container_port == exposed.container_port && m.protocol == exposed.protocol;
      });
      if (!given) ports.push_back(exposed);
    }
  }
  for (const PortMapping& m : ports) {
    // 127.0.0.0/8 is served by the forwarder, which relays TCP only: a
    // UDP port there would be bound and silently never answer.
    if (m.protocol == PortProtocol::kUdp && (m.host_ip.value >> 24) == 127) {
      return user_error("-p {}:{}:{}/udp: UDP on a loopback address is not supported yet (publish it on "
                        "0.0.0.0 or another address, which DNAT serves)",
                        to_string(m.host_ip), m.host_port, m.container_port);
    }
  }
  if (!ports.empty() && network != "bridge") {
    return user_error("{}: published ports need a bridge network, and --network {} has {}",
                      flags.publish.empty() ? "-P" : "-p " + flags.publish.front(), network,
                      network == "host" ? "the host's ports already" : "no way in");
  }
  return ports;
}

// --userns, for root only: rootless pocker always maps root inside to the
// caller, and may not pick other host ids.
Result<void> apply_userns(const std::optional<std::string>& given, ContainerSpec& spec) {
  if (!given) return ok();
  const std::string& value = *given;
  if (::geteuid() != 0) {
    return user_error("--userns {}: only root can choose; rootless pocker always maps root "
                      "inside to you (and to your /etc/subuid range)", value);
  }
  auto text = [](const char* path) {
    auto content = read_file(path);
    return content ? content.value() : std::string();
  };
  auto choice = TRY(parse_userns(value, text("/etc/subuid"), text("/etc/subgid")));
  spec.userns = value;
  spec.namespaces.user = choice.enabled;
  spec.uid_map = choice.uids;
  spec.gid_map = choice.gids;
  return ok();
}

// The command, as docker makes it: the entrypoint (--entrypoint, or the
// image's), then the arguments given, or else the image's Cmd. A new
// entrypoint drops the image's Cmd: it was written for the old one.
// --rootfs has no image: its default command is sh.
Result<std::vector<std::string>> command_of(const ImageConfig* image,
                                            const std::optional<std::string>& entrypoint,
                                            const std::vector<std::string>& args) {
  std::vector<std::string> command;
  if (entrypoint) {
    if (!entrypoint->empty()) command.push_back(*entrypoint);
  } else if (image) {
    command = image->entrypoint;
  }
  if (!args.empty()) {
    command.insert(command.end(), args.begin(), args.end());
  } else if (!image && !entrypoint) {
    command.push_back("sh");
  } else if (image && !entrypoint) {
    command.insert(command.end(), image->cmd.begin(), image->cmd.end());
  }
  if (command.empty()) return user_error("run: no command given, and the image has none");
  return command;
}

// Everything after the flags: IMAGE [COMMAND [ARG...]], or with --rootfs
// just COMMAND [ARG...].
Result<ContainerSpec> make_spec(const RunFlags& flags, std::vector<std::string> rest,
                                const Globals& globals) {
  if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-') {
    return user_error("run: unknown flag {}", rest[0]);
  }
  ContainerSpec spec;
  spec.id = new_container_id();
  // Rootless: only a user namespace gives an unprivileged caller the
  // right to make the others. Checked before the image is looked up.
  spec.namespaces.user = ::geteuid() != 0;
  TRY(apply_userns(flags.userns, spec));
  spec.resources = TRY(make_resources(flags.resources));
  spec.state_dir = StoreRoot{globals.root}.containers() + "/" + spec.id;
  std::optional<StoredImage> image;
  if (flags.rootfs.empty()) {
    if (rest.empty()) return user_error("run: an image name is required (try: pocker run busybox)");
    spec.image = rest.front();
    rest.erase(rest.begin());
    // A missing image is pulled, as docker does, its progress on stderr
    // (stdout belongs to the container); --pull never keeps run offline.
    PullOptions pull;
    pull.registry.progress_fd = STDERR_FILENO;
    pull.registry.progress = ::isatty(STDERR_FILENO) ? ProgressMode::kTerminal : ProgressMode::kLines;
    StoreRoot store{globals.root};
    if (flags.pull == "never") {
      image = TRY(find_image(store, spec.image));
    } else if (flags.pull == "always") {
      image = TRY(pull_image(store, spec.image, pull));
    } else {
      image = TRY(find_or_pull_image(store, spec.image, pull));
    }
    spec.image_ref = image->name;
    spec.image_digest = image->manifest.digest;
    spec.image_id = image->parsed.config.digest;
    spec.rootfs = spec.state_dir + "/rootfs";
    spec.rootfs_is_image = true;
  } else {
    struct stat st;
    if (::stat(flags.rootfs.c_str(), &st) < 0) return sys_error("rootfs {}", flags.rootfs);
    if (!S_ISDIR(st.st_mode)) return user_error("rootfs {}: not a directory", flags.rootfs);
    char* real = ::realpath(flags.rootfs.c_str(), nullptr);
    spec.rootfs = real ? real : flags.rootfs;
    ::free(real);
  }
  spec.process.args = TRY(command_of(image ? &image->config : nullptr, flags.entrypoint, rest));

  // The image's Env first, so that -e and --env-file win.
  std::vector<std::string> env;
  if (image) env = image->config.env;
  for (const auto& file : flags.env_files) TRY(read_env_file(file, env));
  env.insert(env.end(), flags.env.begin(), flags.env.end());
  spec.process.env = TRY(build_env(env, environ));
  if (flags.terminal) spec.process.env.push_back("TERM=xterm");
  if (!flags.workdir.empty()) {
    if (flags.workdir[0] != '/') return user_error("run: -w {}: must be an absolute path", flags.workdir);
    spec.process.cwd = flags.workdir;
  } else if (image && !image->config.working_dir.empty()) {
    spec.process.cwd = image->config.working_dir;
  }
  spec.process.user = flags.user.empty() && image ? image->config.user : flags.user;
  spec.hostname = flags.hostname;
  spec.no_pivot = flags.no_pivot;
  spec.remove = flags.remove;
  spec.namespaces.pid = flags.pid_mode != "host";
  spec.namespaces.uts = flags.uts_mode != "host";
  spec.namespaces.ipc = flags.ipc_mode != "host";
  TRY(apply_network(flags, globals, spec));
  spec.ports = TRY(make_ports(flags, image ? &image->config : nullptr, spec.network));
  if (!spec.namespaces.uts && !flags.hostname.empty()) {
    return user_error("run: -h/--hostname cannot be used with --uts host");
  }
  spec.name = flags.name.empty() ? generate_name(spec.id) : flags.name;
  spec.init = flags.init;
  spec.read_only = flags.read_only;
  for (const auto& volume : flags.volumes) spec.mounts.push_back(TRY(parse_volume(volume)));
  for (const auto& path : flags.tmpfs) {
    if (path.empty() || path[0] != '/') return user_error("run: --tmpfs {}: must be an absolute path", path);
    spec.mounts.push_back(MountSpec{"", path, "tmpfs", false});
  }
  // The image's Volumes (docker's VOLUME): an anonymous volume each, a
  // directory in the container's state directory, so it lives as long as
  // the container and goes with it (rm, --rm); -v or --tmpfs on the same
  // path wins.
  if (image) {
    int count = 0;
    for (std::string path : image->config.volumes) {
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      bool taken = false;
      for (const auto& m : spec.mounts) taken = taken || m.target == path;
      if (taken) continue;
      spec.mounts.push_back(
          MountSpec{spec.state_dir + "/volumes/" + std::to_string(count++), path, "volume", false});
    }
  }
  spec.process.interactive = flags.interactive;
  spec.process.terminal = flags.terminal;
  spec.security = TRY(make_security_spec(flags.privileged, flags.cap_add, flags.cap_drop,
                                         flags.security_opts, flags.devices,
                                         flags.device_cgroup_rules));
  // Last, once every flag is known to be good: this may unpack layers.
  if (image) spec.layers = TRY(image_layer_dirs(StoreRoot{globals.root}, *image));
  return spec;
}

}  // namespace

void add_run(CLI::App& app, const Globals& globals, Handler& handler) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* run = app.add_subcommand("run", "run a command in a new container");
  run->footer("Usage: pocker run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
              "       pocker run [OPTIONS] --rootfs DIR [COMMAND [ARG...]]");
  run->set_help_flag("--help", "print this help");
  // Stop at the image name: everything after it belongs to the command.
  run->prefix_command();

  run->add_flag("-i,--interactive", flags->interactive, "keep stdin attached");
  run->add_flag("-t,--tty", flags->terminal,
                "allocate a pseudo-terminal (with -i at a terminal: ctrl-p ctrl-q detaches, leaving it running)");
  run->add_flag("--rm", flags->remove,
                "remove the container when it exits (its writes to / stay in memory, a tmpfs)");
  run->add_flag("-d,--detach", flags->detach,
                "run in the background and print the container id (with -i or -t: `pocker attach` later)");
  run->add_option("--name", flags->name, "a name for the container");
  run->add_flag("--init", flags->init, "run a small init as PID 1 that reaps zombies and forwards signals");
  run->add_flag("--read-only", flags->read_only, "mount the container's root read-only");
  run->add_option("-v,--volume", flags->volumes, "bind mount HOST:CONTAINER[:ro]")->allow_extra_args(false);
  run->add_option("--tmpfs", flags->tmpfs, "mount a tmpfs at this path")->allow_extra_args(false);
  run->add_option("-e,--env", flags->env, "set an environment variable (KEY=VALUE, or KEY to copy)")
      ->allow_extra_args(false);
  run->add_option("--env-file", flags->env_files, "read environment variables from a file")
      ->allow_extra_args(false);
  run->add_option("-w,--workdir", flags->workdir, "working directory inside the container");
  run->add_option("-u,--user", flags->user, "UID[:GID] or NAME[:GROUP] to run as");
  run->add_option("--entrypoint", flags->entrypoint,
                  "run this program instead of the image's entrypoint (\"\" for none)");
  run->add_option("--rootfs", flags->rootfs, "run on this directory instead of an image");
  run->add_option("--pull", flags->pull,
                  "missing (the default: pull the image when the store lacks it), always or never")
      ->check(CLI::IsMember({"missing", "always", "never"}));
  run->add_option("-h,--hostname", flags->hostname, "the container's hostname");
  run->add_option("--pid", flags->pid_mode, "host: share the host's PID namespace")
      ->check(CLI::IsMember({"host", "private"}));
  run->add_option("--uts", flags->uts_mode, "host: share the host's hostname")
      ->check(CLI::IsMember({"host", "private"}));
  run->add_option("--ipc", flags->ipc_mode, "host: share the host's SysV IPC and /dev/mqueue")
      ->check(CLI::IsMember({"host", "private"}));
  run->add_option("--network,--net", flags->network_mode,
                  "bridge (the default: eth0 on pocker0, 172.29.0.0/16; rootless: none), "
                  "none (only lo), host, NAME (a network of `pocker network create`) or container:C "
                  "(share C's network namespace)");
  run->add_option("-p,--publish", flags->publish,
                  "publish a container port on the host: [IP:]HOST:CONTAINER[/tcp|udp], or "
                  "[IP:]CONTAINER for a port the kernel chooses (bridge network)")
      ->allow_extra_args(false);
  run->add_flag("-P,--publish-all", flags->publish_all,
                "publish every port the image exposes on ports the kernel chooses");
  run->add_option("--ip", flags->ip, "the container's address on its user network (default: the lowest free one)");
  run->add_option("--network-alias", flags->aliases, "another name the container answers to on its user network")
      ->allow_extra_args(false);
  run->add_option("--add-host", flags->add_hosts, "add NAME:IP to the container's /etc/hosts")
      ->allow_extra_args(false);
  run->add_option("--dns", flags->dns, "a resolver for the container's /etc/resolv.conf (replaces the default)")
      ->allow_extra_args(false);
  run->add_option("--userns", flags->userns,
                  "as root: host (the default), remap (the range of user pocker in /etc/subuid) "
                  "or UID:COUNT, the host ids of root and the users inside");
  run->add_flag("--no-pivot", flags->no_pivot, "enter the root with chroot, not pivot_root (escapable!)");
  add_resource_flags(run, flags->resources);
  run->add_flag("--privileged", flags->privileged,
                "give the container every capability and the host's devices; no seccomp, no masks");
  run->add_option("--cap-add", flags->cap_add, "add a capability (NET_ADMIN or CAP_NET_ADMIN, or ALL)")
      ->allow_extra_args(false);
  run->add_option("--cap-drop", flags->cap_drop, "drop a capability (or ALL)")->allow_extra_args(false);
  run->add_option("--security-opt", flags->security_opts,
                  "no-new-privileges, seccomp=unconfined or seccomp=PROFILE.json")
      ->allow_extra_args(false);
  run->add_option("--device", flags->devices, "add a host device: HOST[:CONTAINER[:rwm]]")
      ->allow_extra_args(false);
  run->add_option("--device-cgroup-rule", flags->device_cgroup_rules,
                  "allow or deny devices by number, e.g. 'c 1:3 rwm' or 'b *:* m'")
      ->allow_extra_args(false);

  run->callback([run, flags, &globals, &handler] {
    handler = [run, flags, &globals] {
      auto spec = make_spec(*flags, run->remaining(), globals);
      if (!spec) {
        print_error(spec.error().message());
        return static_cast<int>(kExitPockerFailed);
      }
      StateStore store(globals.root);
      collect_orphans(store);
      // --rm: held (here, and by the monitor of -d) until the container is
      // removed; should this pocker be killed, the next one removes it.
      AutoRemoveLock autoremove;
      if (spec.value().remove) {
        auto locked = lock_autoremove(store, spec.value().id);
        if (!locked) {
          print_error(locked.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        autoremove = std::move(locked.value());
      }
      if (auto named = store.reserve_name(spec.value().name, spec.value().id); !named) {
        autoremove.drop();
        print_error(named.error().message());
        return static_cast<int>(kExitPockerFailed);
      }
      if (flags->detach) return run_detached(store, spec.value());
      return run_attached(store, spec.value());
    };
  });
}

}  // namespace pocker::cli
