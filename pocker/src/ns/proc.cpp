// Mount namespace, part 2: /proc for the container's PID namespace.
//
// A /proc mounted inside a new PID namespace lists only that namespace's
// processes. Some files in it still describe the whole machine, or let a
// root process change it; those are hidden or made read-only, as every
// mainstream runtime does.
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <array>

#include "mount_fs.hpp"
#include "pocker/root.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// Covered with /dev/null (files) or an empty read-only tmpfs (directories):
// docker's list. They describe the host's hardware and kernel (kcore is
// its memory), or leak what other users' processes do (timer_list).
constexpr std::array<const char*, 10> kMasked = {
    "/proc/acpi",       "/proc/asound",      "/proc/interrupts", "/proc/kcore",
    "/proc/keys",       "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
    "/proc/sched_debug", "/proc/scsi",
};

// Readable, but writes there would change the host kernel.
constexpr std::array<const char*, 5> kReadOnly = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

}  // namespace

Result<void> mask(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) return ok();  // not on this kernel
  if (S_ISDIR(st.st_mode)) return mount_fs("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k");
  return mount_fs("/dev/null", path, nullptr, MS_BIND, "");
}

Result<void> mount_proc(const std::string& root, bool new_pid_ns, bool masks) {
  std::string proc = root + "/proc";
  ::mkdir(proc.c_str(), 0555);
  // handout(lv1.proc) begin: mount a new proc at root/proc, so it shows the container's PID namespace
  auto mounted = mount_fs("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
  if (!mounted) {
    // Without our own PID namespace, a user namespace may not mount a new
    // proc; the host's, bound in, is the honest view then.
    if (new_pid_ns || mounted.error().err() != EPERM) return mounted;
    TRY(mount_fs("/proc", proc, nullptr, MS_BIND | MS_REC, ""));
  }
  // handout(lv1.proc) stub:
  // (void)new_pid_ns;
  // handout(lv1.proc) end
  // --privileged: the whole /proc, writable, as docker gives it. The masks
  // hold only while the container lacks CAP_SYS_ADMIN: with it, one
  // umount(2) takes each away (lessons/security, step 5).
  if (!masks) return ok();
  // handout(lv1.proc-masks) begin: hide the host-wide files in kMasked and make the kReadOnly ones read-only
  for (const char* path : kMasked) TRY(mask(root + path));
  for (const char* path : kReadOnly) {
    struct stat st;
    if (::stat((root + path).c_str(), &st) < 0) continue;
    TRY(bind_read_only(root + path, root + path));
  }
  // handout(lv1.proc-masks) stub:
  // (void)mask;
  // handout(lv1.proc-masks) end
  return ok();
}

}  // namespace pocker
