// Entering another process's namespaces: what `exec` and `cp` do.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "pocker/namespaces.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<std::vector<NamespaceHandle>> open_namespaces(pid_t pid, const std::vector<std::string>& names) {
  static const std::map<std::string, int> kFlags = {
      {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
      {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
      {"mnt", CLONE_NEWNS}};
  std::vector<NamespaceHandle> result;
  for (const auto& name : names) {
    std::string theirs = fmt::format("/proc/{}/ns/{}", pid, name);
    std::string ours = "/proc/self/ns/" + name;
    struct stat a, b;
    if (::stat(theirs.c_str(), &a) < 0) return sys_error("stat {}", theirs);
    if (::stat(ours.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
    Fd fd(::open(theirs.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error("open {}", theirs);
    result.push_back({std::move(fd), kFlags.at(name), name});
  }
  return result;
}

Result<void> join_namespaces(const std::vector<NamespaceHandle>& namespaces) {
  const bool host_root = ::geteuid() == 0;
  bool joined_user = false;
  for (const auto& ns : namespaces) {
    if (::setns(ns.fd.get(), ns.flag) < 0) return sys_error("setns {}", ns.name);
    trace("setns({}) = ok", ns.name);
    joined_user = joined_user || ns.flag == CLONE_NEWUSER;
  }
  // Host root in a --userns container is still host uid 0, which its map
  // lacks: become its root, as the container's own process did.
  if (host_root && joined_user) TRY(become_namespace_root());
  return ok();
}

}  // namespace pocker
