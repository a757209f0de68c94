// `--rm` containers whose pocker died (see pocker/collect.hpp for the idea).
#include "pocker/collect.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "container_cgroup.hpp"
#include "container_nat.hpp"
#include "container_network.hpp"
#include "pocker/fs.hpp"
#include "pocker/trace.hpp"

namespace pocker {

void AutoRemoveLock::drop() {
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
  fd_.reset();
}

Result<AutoRemoveLock> lock_autoremove(const StateStore& store, const std::string& id) {
  std::string path = store.autoremove_path(id);
  TRY(make_dirs(store.root() + "/autoremove", 0700));
  // Between open and flock another pocker's collect_orphans() may find the
  // new file unlocked, and remove it (there is nothing else of the
  // container yet). Then our lock is on a file without a name: make another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return sys_error("open {}", path);
    while (::flock(fd.get(), LOCK_EX) < 0) {
      if (errno != EINTR) return sys_error("flock {}", path);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return sys_error("stat {}", path);
    if (st.st_nlink > 0) {
      trace("flock {} (the --rm container's pocker lives) = ok", path);
      return AutoRemoveLock(std::move(fd), path);
    }
  }
  return user_error("lock {}: removed again and again by other pockers", path);
}

namespace {

// Removes container `id` if its pocker is gone and its processes ended.
void collect(StateStore& store, const std::string& id) {
  std::string path = store.autoremove_path(id);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return;  // removed meanwhile, by its pocker or another collector
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) return;  // its pocker lives
  // Locked only once another collector had removed it: nothing to do.
  struct stat st;
  if (::fstat(fd.get(), &st) < 0 || st.st_nlink == 0) return;
  auto busy = container_cgroup_busy(id);
  if (!busy) {
    trace("collect --rm container {}: {}", id, busy.error().message());
    return;
  }
  if (busy.value()) {
    trace("collect --rm container {}: its pocker is gone, but processes of it still run", id);
    return;
  }
  if (auto removed = remove_container_cgroup(id); !removed) {
    trace("collect --rm container {}: {}", id, removed.error().message());
    return;
  }
  // The name comes from config.json, or from the names, for a container
  // whose pocker died before it wrote one; the file at `path` goes last.
  if (auto removed = store.remove(id); !removed) {
    trace("collect --rm container {}: {}", id, removed.error().message());
    return;
  }
  trace("collected --rm container {}: its pocker is gone", id);
}

// `.removing-<id>` directories: StateStore::remove() renames a container's
// directory so before it deletes it, and a pocker killed meanwhile leaves
// the rest. Deleting one that a live pocker deletes too is safe: neither
// adds files, and both take a vanished entry as done.
void sweep_removed(const StateStore& store) {
  std::string dir = store.root() + "/containers";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> doomed;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.rfind(".removing-", 0) == 0) doomed.push_back(dir + "/" + name);
  }
  ::closedir(d);
  for (const auto& path : doomed) {
    auto removed = remove_tree(path);
    trace("remove the leftover {} = {}", path, removed ? "ok" : removed.error().message());
  }
}

}  // namespace

bool container_has_processes(const std::string& id) {
  auto busy = container_cgroup_busy(id);
  return !busy || busy.value();
}

void collect_orphans(StateStore& store) {
  sweep_removed(store);
  // Host-wide, not per store: the bridge's leases (container_network.hpp).
  collect_network_leases();
  collect_nat_rules();
  collect_user_networks();
  std::string dir = store.root() + "/autoremove";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;  // no --rm container ever ran under this root
  std::vector<std::string> ids;
  while (struct dirent* e = ::readdir(d)) {
    std::string id = e->d_name;
    if (id.size() == 64) ids.push_back(id);
  }
  ::closedir(d);
  for (const auto& id : ids) collect(store, id);
}

}  // namespace pocker
