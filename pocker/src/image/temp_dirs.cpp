// Locked temporary directories (temp_dirs.hpp).
#include "temp_dirs.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "layout_files.hpp"
#include "pocker/fs.hpp"

namespace pocker {

Result<LockedTempDir> make_locked_temp_dir(const std::string& prefix) {
  // A cleaner takes the lock before it removes a directory and keeps it
  // while removing: if it got there between mkdtemp and our flock, our
  // flock waits for it and then finds the directory unlinked.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string path = TRY(make_temp_dir(prefix));
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT) continue;
      return sys_error("open {}", path);
    }
    while (::flock(fd.get(), LOCK_EX) < 0) {
      if (errno != EINTR) return sys_error("flock {}", path);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return sys_error("stat {}", path);
    if (st.st_nlink == 0) continue;
    return LockedTempDir{std::move(path), std::move(fd)};
  }
  return user_error("mkdtemp {}XXXXXX: removed by another pocker 100 times", prefix);
}

Result<int> remove_stale_temp_dirs(const std::string& dir, const std::string& prefix) {
  auto names = list_names(dir);
  if (!names) {
    if (names.error().err() == ENOENT) return 0;
    return std::move(names).error();
  }
  int removed = 0;
  for (const auto& name : names.value()) {
    if (name.rfind(prefix, 0) != 0) continue;
    std::string path = dir + "/" + name;
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) continue;  // gone already, or no directory: not ours
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) continue;  // a live pocker works in it
    struct stat st;
    if (::fstat(fd.get(), &st) < 0 || st.st_nlink == 0) continue;  // another cleaner was first
    TRY(remove_tree(path));
    ++removed;
  }
  return removed;
}

}  // namespace pocker
