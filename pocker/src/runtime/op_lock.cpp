#include "pocker/op_lock.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "pocker/trace.hpp"

namespace pocker {

Result<OpLock> OpLock::take(const StateStore& store, const std::string& id) {
  // Made by the first operation that needs it, not by `run`: a `run --rm`
  // never pays for it. StateStore::remove() renames the directory away
  // before deleting it, so nobody can make a new op.lock in a directory
  // that is being removed.
  std::string path = store.dir(id) + "/op.lock";
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno == ENOENT) return user_error("no such container: {}", id.substr(0, 12));
    return sys_error("open {}", path);
  }
  while (::flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) return sys_error("flock {}", path);
  }
  // An `rm` that held the lock before us removed the container: our file
  // is no longer the one at `path` (or there is none).
  struct stat held, now;
  if (::fstat(fd.get(), &held) < 0) return sys_error("stat {}", path);
  if (::stat(path.c_str(), &now) < 0 || now.st_ino != held.st_ino || now.st_dev != held.st_dev) {
    return user_error("no such container: {}", id.substr(0, 12));
  }
  trace("flock {} = ok", path);
  return OpLock(std::move(fd));
}

}  // namespace pocker
