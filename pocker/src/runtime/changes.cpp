// `pocker diff`: the container's upper directory, read as overlayfs reads it
// (see pocker/changes.hpp).
#include "pocker/changes.hpp"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <set>

namespace pocker {
namespace {

bool is_whiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && ::major(st.st_rdev) == 0 && ::minor(st.st_rdev) == 0;
}

bool is_opaque(const std::string& dir) {
  char value[2] = {};
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
    if (::lgetxattr(dir.c_str(), name, value, sizeof value) == 1 && value[0] == 'y') return true;
  }
  return false;
}

// Whether the image's layers show `path` (relative, starting with '/'):
// the topmost layer that has the name decides, a whiteout there hides it.
bool in_layers(const std::vector<std::string>& lowers, const std::string& path) {
  for (const std::string& lower : lowers) {
    struct stat st;
    if (::lstat((lower + path).c_str(), &st) == 0) return !is_whiteout(st);
  }
  return false;
}

// The names in `dir` of every layer (for an opaque directory: all of them
// were deleted, but those the upper directory holds again).
std::set<std::string> names_in_layers(const std::vector<std::string>& lowers, const std::string& path) {
  std::set<std::string> names;
  for (const std::string& lower : lowers) {
    DIR* d = ::opendir((lower + path).c_str());
    if (!d) continue;
    while (const dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (in_layers(lowers, path + "/" + name)) names.insert(name);
    }
    ::closedir(d);
    if (is_opaque(lower + path)) break;  // nothing below this layer shows through
  }
  return names;
}

Result<void> walk(const std::string& upper, const std::vector<std::string>& lowers, const std::string& path,
                  std::vector<Change>& out) {
  std::string dir = upper + path;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return sys_error("open {}", dir);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  for (const std::string& name : names) {
    std::string child = path + "/" + name;
    struct stat st;
    if (::lstat((upper + child).c_str(), &st) < 0) return sys_error("stat {}{}", upper, child);
    if (is_whiteout(st)) {
      if (in_layers(lowers, child)) out.push_back({'D', child});
      continue;
    }
    out.push_back({in_layers(lowers, child) ? 'C' : 'A', child});
    if (!S_ISDIR(st.st_mode)) continue;
    if (is_opaque(upper + child)) {
      for (const std::string& gone : names_in_layers(lowers, child)) {
        struct stat again;
        if (::lstat((upper + child + "/" + gone).c_str(), &again) < 0) out.push_back({'D', child + "/" + gone});
      }
    }
    TRY(walk(upper, lowers, child, out));
  }
  return ok();
}

}  // namespace

Result<std::vector<Change>> layer_changes(const std::string& upper, const std::vector<std::string>& lowers) {
  std::vector<Change> changes;
  TRY(walk(upper, lowers, "", changes));
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.path < b.path; });
  return changes;
}

Result<std::vector<Change>> container_changes(const StateStore& store, const std::string& id) {
  auto spec = TRY(store.load_spec(id));
  if (!spec.rootfs_is_image) {
    return user_error("container {} runs on a directory (--rootfs), not an image: it has no layer of its own",
                      id.substr(0, 12));
  }
  if (spec.remove) {
    return user_error("container {} runs with --rm: its writable layer lives in memory that only it sees",
                      id.substr(0, 12));
  }
  return layer_changes(spec.state_dir + "/upper", spec.layers);
}

}  // namespace pocker
