// run_container(): the whole life of a foreground container, parent side.
//
//  1. prepare the container's directories (overlay upper and work dirs;
//     with --rm the child makes them, on a tmpfs of its own)
//  2. block the signals we forward, so none is lost while the child starts
//  3. clone the child into its new namespaces; it waits on the sync channel
//  4. write its uid/gid maps (user namespace), connect its network
//     namespace to the bridge (--network bridge), then send kGo (with
//     root's --userns, together with the idmapped image: see ns/idmap.cpp)
//  5. the child sets up its namespaces and root, and execs; EOF on the
//     channel means the exec happened
//  6. wait, turn the status into pocker's exit code, and clean up
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/syscall.h>

#include "container_cgroup.hpp"
#include "container_nat.hpp"
#include "container_network.hpp"
#include "start_protocol.hpp"
#include "pocker/attach.hpp"
#include "pocker/fs.hpp"
#include "pocker/init.hpp"
#include "pocker/namespaces.hpp"
#include "pocker/output.hpp"
#include "pocker/process.hpp"
#include "pocker/root.hpp"
#include "pocker/runtime.hpp"
#include "pocker/signals.hpp"
#include "pocker/sync.hpp"
#include "pocker/terminal.hpp"
#include "pocker/trace.hpp"
#include "pocker/user.hpp"

namespace pocker {
namespace {

RootPlan make_root_plan(const ContainerSpec& spec) {
  RootPlan plan;
  plan.pivot = !spec.no_pivot;
  plan.new_pid_ns = spec.namespaces.pid;
  plan.new_net_ns = spec.namespaces.net;
  plan.in_user_ns = spec.namespaces.user;
  // Maps in the spec come from root's --userns (rootless maps are made at
  // start): the image then belongs to host root, outside the map.
  plan.idmapped = spec.namespaces.user && !spec.uid_map.empty();
  // The generated /etc files first, so that a -v onto one of them wins.
  if (std::string etc = etc_files_dir(spec); !etc.empty()) {
    for (const char* file : {"hosts", "hostname", "resolv.conf"}) {
      plan.mounts.push_back(MountSpec{etc + "/" + file, std::string("/etc/") + file, "generated", false});
    }
  }
  plan.mounts.insert(plan.mounts.end(), spec.mounts.begin(), spec.mounts.end());
  plan.read_only = spec.read_only;
  plan.privileged = spec.security.privileged;
  plan.devices = spec.security.devices;
  if (spec.rootfs_is_image) {
    plan.overlay = true;
    plan.target = spec.state_dir + "/rootfs";
    plan.dirs = {spec.layers, spec.state_dir + "/upper", spec.state_dir + "/work"};
    plan.volatile_upper = spec.remove;  // --rm: the upper dir goes with the container
    // --rm: nothing of the writable layer needs to outlive the container, so
    // it lives in memory (see RootPlan::scratch) and costs the disk nothing.
    // Not with root's --userns: the child, host uid 0 until it becomes the
    // namespace's root, could not create files on a tmpfs of its namespace
    // (the kernel refuses ids the namespace does not map: EOVERFLOW).
    if (spec.remove && !plan.idmapped) plan.scratch = spec.state_dir;
  } else {
    plan.source = spec.rootfs;  // --rootfs: the directory itself, writes and all
    plan.target = spec.rootfs;
  }
  return plan;
}

// Everything the child does before exec, in order. Each step belongs to
// one namespace module; the comments say why the order is what it is.
Result<void> prepare_child(const ContainerSpec& spec, const RootPlan& plan, Fd image,
                           const SeccompProgram& seccomp, int shared_netns) {
  // --network container:C: C's network namespace, before anything that
  // looks at the network (/sys shows its interfaces).
  if (shared_netns >= 0) {
    if (::setns(shared_netns, CLONE_NEWNET) < 0) return sys_error("setns to the network of {}", spec.network);
    trace("setns(net of {}) = ok", spec.network);
  }
  // After kGo we are in our cgroup (clone3 put us there, we joined it
  // ourselves, or the parent did): unsharing now makes it our view's root.
  if (spec.namespaces.cgroup) TRY(cgroupns_enter());
  if (spec.namespaces.uts) {
    TRY(uts_set_hostname(spec.hostname.empty() ? spec.id.substr(0, 12) : spec.hostname));
  }
  if (spec.namespaces.net) TRY(net_bring_up_loopback());
  TRY(enter_root(plan, std::move(image)));
  TRY(enter_workdir(spec.process.cwd));
  TRY(check_cwd_inside_root());
  // Last, with every mount made: from here on the process can no longer
  // mount, and only the system calls its profile allows still work.
  TRY(confine(spec.security, spec.security.capabilities, seccomp, spec.process.user));
  return ok();
}

[[noreturn]] void child_main(const ContainerSpec& spec, const RootPlan& plan,
                             const SeccompProgram& seccomp, const OutputPipes& output,
                             const SyncEnd& sync, int shared_netns) {
  reset_signals_in_child();
  Fd image;  // with root's --userns, kGo brings the idmapped image
  auto go = sync.recv(&image);
  if (!go || !go.value() || go.value()->type != SyncMessage::Type::kGo) ::_exit(kExitPockerFailed);
  if (!spec.process.interactive) {
    if (auto null = detach_stdin(); !null) {
      sync.send_error(SyncStage::kSetup, null.error());
      ::_exit(kExitPockerFailed);
    }
  }
  if (!spec.process.terminal) {
    if (auto alone = leave_callers_session(); !alone) {
      sync.send_error(SyncStage::kSetup, alone.error());
      ::_exit(kExitPockerFailed);
    }
    if (auto piped = use_output_pipes(output); !piped) {
      sync.send_error(SyncStage::kSetup, piped.error());
      ::_exit(kExitPockerFailed);
    }
  }
  if (auto prepared = prepare_child(spec, plan, std::move(image), seccomp, shared_netns); !prepared) {
    sync.send_error(SyncStage::kSetup, prepared.error());
    ::_exit(kExitPockerFailed);
  }
  // After pivot_root, so /dev/ptmx is the container's own devpts.
  if (spec.process.terminal && !hand_over_console(sync)) ::_exit(kExitPockerFailed);
  auto exec_command = [&spec, &sync] { return exec_process(spec.process, sync); };
  if (spec.init) {
    // The init holds no descriptor but stdio: not the sync socket (pocker
    // would never see the EOF that says the exec happened), nor anything
    // else a monitor or pocker waits on.
    run_init(exec_command, [] { ::syscall(SYS_close_range, 3U, ~0U, 0U); });
  }
  ::_exit(exec_command());
}

// Idempotent: `start` runs a stopped container again on the same upper dir.
Result<void> make_state_dirs(const ContainerSpec& spec) {
  TRY(make_dirs(spec.state_dir, 0700));
  for (const char* sub : {"/upper", "/work", "/rootfs"}) {
    if (::mkdir((spec.state_dir + sub).c_str(), 0755) < 0 && errno != EEXIST) {
      return sys_error("mkdir {}{}", spec.state_dir, sub);
    }
  }
  auto uid = outside_of_root(spec.uid_map);
  auto gid = outside_of_root(spec.gid_map);
  if (!uid || !gid) return ok();
  // --userns: the container's root writes the upper layer, and the
  // overlay's root directory (upper's) must be its own.
  for (const char* sub : {"/upper", "/work"}) {
    std::string dir = spec.state_dir + sub;
    if (::chown(dir.c_str(), *uid, *gid) < 0) {
      return sys_error("chown {}", dir);
    }
  }
  return ok();
}

// Parent side of the start: ids, then release the child and learn whether
// its exec worked. With -t the pty master arrives first, into `console`.
Result<std::optional<SyncMessage>> start_child(const ContainerSpec& spec, const RootPlan& plan,
                                               const Child& child, ContainerCgroup& cgroup,
                                               ContainerNetwork& network, ContainerNat& nat,
                                               const SyncEnd& sync, Fd& console) {
  TRY_CTX(cgroup.add_if_needed(child.pid()), "cgroup");
  if (spec.namespaces.user) {
    std::vector<IdMap> uids = spec.uid_map, gids = spec.gid_map;
    if (uids.empty()) rootless_maps(uids, gids);
    TRY_CTX(user_write_maps(child.pid(), uids, gids), "user namespace");
  }
  // After the maps (the namespace's owner is then complete), before kGo:
  // the command starts with eth0 up, and a failure here stops it before
  // it ever ran.
  TRY(network.attach(spec, child.pid()));
  // With the container's address known: masquerade, DNAT and the
  // forwarder (whose threads may start now: the clone is behind us).
  TRY(nat.attach(spec, network, child.pid()));
  // Now that the address is known; the child binds them after kGo.
  TRY_CTX(write_etc_files(spec, network.address(), network.nameserver()), "names");
  if (plan.idmapped) {
    // Only now: the view is made through the child's namespace and its map.
    Fd image = TRY_CTX(make_idmapped_tree(plan.overlay ? plan.dirs.lowers.front() : plan.source,
                                          child.pid()), "--userns");
    TRY_CTX(sync.send_fd(SyncMessage{SyncMessage::Type::kGo}, image.get()), "start container");
  } else {
    TRY_CTX(sync.send(SyncMessage{SyncMessage::Type::kGo}), "start container");
  }
  return await_exec(sync, console);
}

}  // namespace

Result<RunOutcome> run_container(const ContainerSpec& spec, const RunHooks& hooks) {
  RootPlan plan = make_root_plan(spec);
  if (plan.overlay && plan.dirs.lowers.empty()) return user_error("image {} has no layers", spec.image);
  // One idmapped view travels to the child (ns/idmap.cpp); an image of
  // several layers would need one per layer.
  if (plan.idmapped && plan.dirs.lowers.size() > 1) {
    return user_error("--userns: images of more than one layer are not supported yet");
  }
  if (spec.rootfs_is_image) {
    TRY_CTX(plan.scratch.empty() ? make_state_dirs(spec) : make_dirs(spec.state_dir, 0700),
            "prepare container");
  }
  // Compiled (or read from the cache) here, before clone: the child only
  // loads it, and needs neither libseccomp nor the store for that.
  auto seccomp = TRY(prepare_seccomp(spec.security, spec.security.capabilities,
                                     store_root_of(spec)));
  // Before the child: its lease is released only after the child is
  // reaped, and after its NAT rules are gone (nat goes first).
  ContainerNetwork network;
  // The host ports first: a port in use fails before anything is made.
  // Declared before the cgroup and the child, so the ports are freed and
  // the rules deleted only once the container has ended.
  ContainerNat nat;
  TRY(nat.reserve(spec));
  ContainerCgroup cgroup;  // destroyed (with anything left inside) on every return
  TRY(cgroup.create(spec.id, spec.resources, spec.security.device_rules));
  if (spec.namespaces.cgroup) plan.cgroup_mounts = cgroup.views();

  OutputPipes output;  // with -t the pty carries the output instead
  if (!spec.process.terminal) output = TRY_CTX(make_output_pipes(), "prepare container");
  auto sync = TRY(make_sync_pair());
  Fd shared_netns;  // --network container:C
  if (spec.network.rfind("container:", 0) == 0) shared_netns = TRY(open_shared_netns(spec));
  ForwardedSignalsBlocked blocked;
  CloneOptions options;
  options.flags = clone_flags(spec.namespaces);
  options.cgroup_fd = cgroup.clone_fd();
  Child child = TRY(spawn(options, [&]() -> int {
    sync.parent.close();
    // A foreground container dies with its pocker: a pocker killed by
    // SIGKILL must not leave it running with nobody to reap it. (The
    // kernel's signal even reaches a PID namespace's init.)
    die_with_parent(sync.child);
    cgroup.join_in_child(sync.child);  // cgroup v1: the child moves itself in
    child_main(spec, plan, seccomp, output, sync.child, shared_netns ? shared_netns.get() : -1);
  }));
  sync.child.close();
  close_container_ends(output);
  forward_signals_to(child.pid());
  blocked.unblock();  // handlers are in place: let pending and future signals through

  Fd console;
  auto message = TRY(start_child(spec, plan, child, cgroup, network, nat, sync.parent, console));
  if (message && message->type == SyncMessage::Type::kError) {
    (void)child.wait();
    if (message->stage == SyncStage::kExec) return exec_failure(*message);
    return errno_error(message->err, "{}", message->text);
  }
  trace("container process {} is running", child.pid());
  if (hooks.started) {
    ContainerAddress address = network.address();
    address.ports = nat.ports();
    hooks.started(child.pid(), cgroup.path(), address);
  }
  if (hooks.attach) {
    // Detached: the monitor's stdout is the container's log.
    TRY_CTX(hooks.attach->serve(console ? &console : nullptr, child.pid(), STDOUT_FILENO), "attach");
  } else if (console) {
    RawMode raw(STDIN_FILENO);
    TRY_CTX(relay_console(console, spec.process.interactive), "terminal");
  }
  TRY_CTX(relay_output(output, child.pid()), "container output");

  auto status = TRY(child.wait());
  trace("container process {}", status.describe());
  RunOutcome outcome{status.shell_code(), {}};
  // The kernel, not a guess from status 137, says whether it was the OOM
  // killer; it is asked only after a SIGKILL, the OOM killer's signal.
  // handout(lv2.oom) begin: ask the cgroup (its OOM kill counter) whether the OOM killer ended the container, and say so
  auto kills = status.signal == SIGKILL ? cgroup.oom_kills() : std::nullopt;
  if (kills && *kills > 0) {
    outcome.failure = fmt::format("container killed by the OOM killer: it used more than its "
                                  "memory limit of {} bytes",
                                  spec.resources.memory.value_or(0));
    outcome.oom_killed = true;
  }
  // handout(lv2.oom) end
  return outcome;
}

}  // namespace pocker
