// The build context (context.hpp): .dockerignore, globs, and every path
// opened beneath the context directory.
#include "context.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "pocker/digest.hpp"

namespace pocker::build {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

bool match_parts(const std::vector<std::string>& pat, size_t pi, const std::vector<std::string>& path,
                 size_t si) {
  if (pi == pat.size()) return si == path.size();
  if (pat[pi] == "**") {
    for (size_t k = si; k <= path.size(); ++k) {
      if (match_parts(pat, pi + 1, path, k)) return true;
    }
    return false;
  }
  if (si == path.size()) return false;
  if (::fnmatch(pat[pi].c_str(), path[si].c_str(), 0) != 0) return false;
  return match_parts(pat, pi + 1, path, si + 1);
}

bool has_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

Result<Fd> do_openat2(int dirfd, const std::string& path, int flags, unsigned long long resolve,
                      const std::string& shown) {
  struct open_how how = {};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.resolve = resolve;
  std::string p = path.empty() ? "." : path;
  while (true) {
    long fd = ::syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof how);
    if (fd >= 0) return Fd(static_cast<int>(fd));
    if (errno == EAGAIN || errno == EINTR) continue;
    if (errno == EXDEV) {
      return user_error("{}: a symlink leads outside the build context (refused)", shown);
    }
    return sys_error("open {}", shown);
  }
}

// Every path below `rel` (a directory of the context), not ignored, sorted.
Result<void> walk(int context_fd, const DockerIgnore& ignore, const std::string& rel,
                  std::vector<std::string>& out) {
  Fd dir = TRY(open_beneath(context_fd, rel, O_RDONLY | O_DIRECTORY, rel));
  DIR* d = ::fdopendir(dir.release());
  if (!d) return sys_error("opendir {}", rel);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string path = rel.empty() ? n : rel + "/" + n;
    if (ignore.ignored(path)) continue;
    out.push_back(path);
    struct stat st;
    if (::fstatat(context_fd, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      TRY(walk(context_fd, ignore, path, out));
    }
  }
  return ok();
}

}  // namespace

Result<std::string> clean_relative(const std::string& path) {
  std::string out;
  for (const auto& part : split_path(path)) {
    if (part == "..") return user_error("{}: `..` leads outside the build context", path);
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

bool path_match(const std::string& pattern, const std::string& path) {
  return match_parts(split_path(pattern), 0, split_path(path), 0);
}

DockerIgnore DockerIgnore::parse(const std::string& text) {
  DockerIgnore ig;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    line = line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
    Pattern p;
    if (line[0] == '!') {
      p.exclude = false;
      line = line.substr(1);
    }
    p.parts = split_path(line);
    if (!p.parts.empty()) ig.patterns_.push_back(std::move(p));
  }
  return ig;
}

Result<DockerIgnore> DockerIgnore::read(int context_fd) {
  int fd = ::openat(context_fd, ".dockerignore", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return DockerIgnore{};
    return sys_error("open .dockerignore");
  }
  Fd owned(fd);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  if (n < 0) return sys_error("read .dockerignore");
  return parse(text);
}

bool DockerIgnore::ignored(const std::string& path) const {
  auto parts = split_path(path);
  bool out = false;
  for (const auto& p : patterns_) {
    // The pattern matches the path or one of its parents (an ignored
    // directory hides what it holds).
    for (size_t n = 1; n <= parts.size(); ++n) {
      std::vector<std::string> prefix(parts.begin(), parts.begin() + static_cast<long>(n));
      if (match_parts(p.parts, 0, prefix, 0)) {
        out = p.exclude;
        break;
      }
    }
  }
  return out;
}

Result<Fd> open_beneath(int dirfd, const std::string& path, int flags, const std::string& shown) {
  // handout(build.context) begin: open the path beneath the context directory only: openat2 with RESOLVE_BENEATH refuses a symlink that leads outside
  return do_openat2(dirfd, path, flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, shown);
  // handout(build.context) stub:
  // return do_openat2(dirfd, path, flags, 0, shown);
  // handout(build.context) end
}

Result<Fd> open_in_root(int root, const std::string& path, int flags, const std::string& shown) {
  return do_openat2(root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, shown);
}

Result<std::vector<std::string>> context_sources(int context_fd, const DockerIgnore& ignore,
                                                 const std::string& source) {
  std::string clean = TRY(clean_relative(source));
  std::vector<std::string> found;
  if (!has_glob(clean)) {
    if (!clean.empty() && ignore.ignored(clean)) {
      return user_error("{}: not in the build context (left out by .dockerignore)", source);
    }
    // Opened once now: a missing file or an escaping symlink fails here.
    TRY(open_beneath(context_fd, clean, O_PATH, source));
    found.push_back(clean);
    return found;
  }
  std::vector<std::string> all;
  TRY(walk(context_fd, ignore, "", all));
  for (const auto& path : all) {
    if (path_match(clean, path)) found.push_back(path);
  }
  if (found.empty()) return user_error("{}: no file of the build context matches", source);
  return found;
}

Result<std::string> sources_digest(int context_fd, const DockerIgnore& ignore,
                                   const std::vector<std::string>& sources) {
  Digester d;
  auto add_one = [&](const std::string& path, bool follow) -> Result<void> {
    Fd fd = TRY(open_beneath(context_fd, path, follow ? O_RDONLY : O_PATH | O_NOFOLLOW, path));
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return sys_error("stat {}", path);
    std::string head = fmt::format("{}|{:o}|{}\n", path, st.st_mode, S_ISREG(st.st_mode) ? st.st_size : 0);
    d.update(head);
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = ::readlinkat(context_fd, path.c_str(), target, sizeof target);
      if (n > 0) d.update(target, static_cast<size_t>(n));
    } else if (S_ISREG(st.st_mode)) {
      Fd rd = follow ? std::move(fd) : TRY(open_beneath(context_fd, path, O_RDONLY, path));
      char buf[65536];
      ssize_t n;
      while ((n = ::read(rd.get(), buf, sizeof buf)) > 0) d.update(buf, static_cast<size_t>(n));
      if (n < 0) return sys_error("read {}", path);
    }
    return ok();
  };
  for (const auto& source : sources) {
    TRY(add_one(source, true));
    Fd probe = TRY(open_beneath(context_fd, source, O_PATH, source));
    struct stat st;
    if (::fstat(probe.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
      std::vector<std::string> below;
      TRY(walk(context_fd, ignore, source, below));
      for (const auto& path : below) TRY(add_one(path, false));
    }
  }
  return d.finish();
}

}  // namespace pocker::build
