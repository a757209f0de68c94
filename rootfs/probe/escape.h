// The escape catalogue's attempts (../shared/SECURITY-NOTES.md): each one
// does the real system call a container escape would need and reports what
// the kernel answered. `escape ATTEMPT [ARG...]` prints one JSON object:
//   {"attempt":"mount-tmpfs","ok":false,"errno":"EPERM","detail":"mount: ..."}
// "ok" means the step the protection is meant to stop went through; "errno"
// is the error of the step that stopped it (null when ok). Attempts never
// change the host: what they mount they unmount, what they write they first
// read and write back unchanged, keys they add they invalidate.
#pragma once

#include "probe.h"

#include <string>

namespace probe::escape {

struct Outcome {
  bool ok = false;
  int err = 0;         // errno of the step that failed, 0 when ok
  std::string detail;  // which step, in words
  json extra = json::object();  // attempt-specific fields, merged into the output
};

// ok with a detail, or failed at `step` with errno captured by the caller.
Outcome success(std::string detail);
Outcome failure(const std::string& step, int err);

// A fresh private directory for mount points and device nodes: in /tmp when
// it is writable, else in /. "" with errno set when neither works.
std::string scratch_dir(const std::string& what);

// escape_fs.cpp: devices, mounts, files, descriptors.
Outcome mknod_open_disk(const Args& args);
Outcome mount_disk(const Args& args);
Outcome mount_tmpfs(const Args& args);
Outcome umount_path(const Args& args);
Outcome write_file(const Args& args);
Outcome read_path(const Args& args);
Outcome cgroup_mount(const Args& args);
Outcome fds(const Args& args);
Outcome cwd(const Args& args);

// escape_sys.cpp: system calls the seccomp profile and capabilities guard.
Outcome finit_module(const Args& args);
Outcome ptrace_pid(const Args& args);
Outcome add_key(const Args& args);
Outcome keyctl(const Args& args);
Outcome unshare_user(const Args& args);
Outcome clone_newns(const Args& args);
Outcome clone3(const Args& args);
Outcome packet_socket(const Args& args);
Outcome tiocsti(const Args& args);
Outcome caps(const Args& args);

// escape_exe.cpp: the CVE-2019-5736 class, run while the lab execs into us.
Outcome proc_exe_watch(const Args& args);

}  // namespace probe::escape
