// COPY and ADD (builder.hpp). The copy runs in a child process with a
// mount namespace of its own: a tmpfs holds an overlay of the stage's
// layers with a fresh upper directory, the files are written into the
// overlay with every destination resolved inside the image's root
// (openat2 RESOLVE_IN_ROOT: a symlink in the image that points at /etc
// means the image's /etc, never the host's), and the upper directory is
// streamed as a tar to the parent, which makes it the layer blob.
//
// Killed at any point, the child leaves nothing: the tmpfs and both
// overlays vanish with its mount namespace, and the blob is an unnamed
// file until it is complete (pocker/layout.hpp).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "builder.hpp"
#include "pocker/fs.hpp"
#include "pocker/layer_writer.hpp"
#include "pocker/root.hpp"
#include "pocker/unpack.hpp"

namespace pocker::build {
namespace {

struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
};

std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  return text;
}

// The id of `name` in the image's /etc/passwd or /etc/group (field 3).
Result<unsigned> lookup_id(int root, const char* file, const std::string& name) {
  if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
    return static_cast<unsigned>(std::strtoul(name.c_str(), nullptr, 10));
  }
  Fd fd = TRY(open_in_root(root, file, O_RDONLY, file));
  std::string text = read_all(fd.get());
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    std::vector<std::string> fields;
    size_t at = 0;
    while (true) {
      size_t colon = line.find(':', at);
      fields.push_back(line.substr(at, colon == std::string::npos ? std::string::npos : colon - at));
      if (colon == std::string::npos) break;
      at = colon + 1;
    }
    if (fields.size() > 2 && fields[0] == name) {
      return static_cast<unsigned>(std::strtoul(fields[2].c_str(), nullptr, 10));
    }
  }
  return user_error("--chown: no {} in the image's {}", name, file);
}

Result<Owner> parse_owner(int root, const std::string& text) {
  Owner owner;
  if (text.empty()) return owner;
  size_t colon = text.find(':');
  std::string user = text.substr(0, colon);
  owner.uid = TRY(lookup_id(root, "/etc/passwd", user));
  if (colon == std::string::npos) {
    owner.gid = owner.uid;
  } else {
    owner.gid = TRY(lookup_id(root, "/etc/group", text.substr(colon + 1)));
  }
  return owner;
}

class Copier {
 public:
  Copier(int root, const Owner& owner, const DockerIgnore* ignore)
      : root_(root), owner_(owner), ignore_(ignore) {}

  // Every directory of `path` (absolute, in the image), made where
  // missing; returns the last one.
  Result<Fd> make_dirs_in_root(const std::string& path) {
    std::string prefix;
    Fd cur = TRY(open_in_root(root_, "/", O_PATH | O_DIRECTORY, "/"));
    size_t start = 0;
    while (start < path.size()) {
      size_t slash = path.find('/', start);
      std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      start = slash == std::string::npos ? path.size() : slash + 1;
      if (part.empty() || part == ".") continue;
      prefix += "/" + part;
      auto next = open_in_root(root_, prefix, O_PATH | O_DIRECTORY, prefix);
      if (!next && next.error().err() == ENOENT) {
        if (::mkdirat(cur.get(), part.c_str(), 0755) < 0 && errno != EEXIST) {
          return sys_error("mkdir {}", prefix);
        }
        (void)::fchownat(cur.get(), part.c_str(), owner_.uid, owner_.gid, AT_SYMLINK_NOFOLLOW);
        next = open_in_root(root_, prefix, O_PATH | O_DIRECTORY, prefix);
      }
      if (!next) return std::move(next).error();
      cur = std::move(next.value());
    }
    return cur;
  }

  bool is_dir_in_root(const std::string& path) {
    return static_cast<bool>(open_in_root(root_, path, O_PATH | O_DIRECTORY, path));
  }

  Result<void> copy_file(int src, int dst_dir, const std::string& name, const struct stat& st,
                         const std::string& shown) {
    ::unlinkat(dst_dir, name.c_str(), 0);
    Fd out(::openat(dst_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return sys_error("create {}", shown);
    char buf[65536];
    ssize_t n;
    while ((n = ::read(src, buf, sizeof buf)) > 0) {
      if (!write_all(out.get(), buf, static_cast<size_t>(n))) return sys_error("write {}", shown);
    }
    if (n < 0) return sys_error("read {}", shown);
    if (::fchown(out.get(), owner_.uid, owner_.gid) < 0) return sys_error("chown {}", shown);
    if (::fchmod(out.get(), st.st_mode & 07777) < 0) return sys_error("chmod {}", shown);
    struct timespec times[2] = {st.st_mtim, st.st_mtim};
    ::futimens(out.get(), times);
    return ok();
  }

  // What `src` (a directory) holds, into `dst`. `rel` is its path in the
  // context, for .dockerignore.
  Result<void> copy_tree(int src, int dst, const std::string& rel) {
    int dup = ::openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) return sys_error("open {}", rel);
    DIR* d = ::fdopendir(dup);
    if (!d) {
      ::close(dup);
      return sys_error("opendir {}", rel);
    }
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      std::string path = rel.empty() ? n : rel + "/" + n;
      if (ignore_ && ignore_->ignored(path)) continue;
      struct stat st;
      if (::fstatat(src, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("stat {}", path);
      if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(dst, n.c_str(), 0700) < 0 && errno != EEXIST) return sys_error("mkdir {}", path);
        Fd from(::openat(src, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        Fd to(::openat(dst, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!from || !to) return sys_error("open {}", path);
        TRY(copy_tree(from.get(), to.get(), path));
        ::fchown(to.get(), owner_.uid, owner_.gid);
        ::fchmod(to.get(), st.st_mode & 07777);
        struct timespec times[2] = {st.st_mtim, st.st_mtim};
        ::futimens(to.get(), times);
      } else if (S_ISREG(st.st_mode)) {
        Fd in(::openat(src, n.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!in) return sys_error("open {}", path);
        TRY(copy_file(in.get(), dst, n, st, path));
      } else if (S_ISLNK(st.st_mode)) {
        // Copied as a link, never followed: where it points is the
        // image's business once it is inside the image.
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t len = ::readlinkat(src, n.c_str(), target.data(), target.size());
        if (len < 0) return sys_error("readlink {}", path);
        target.resize(static_cast<size_t>(len));
        ::unlinkat(dst, n.c_str(), 0);
        if (::symlinkat(target.c_str(), dst, n.c_str()) < 0) return sys_error("symlink {}", path);
        ::fchownat(dst, n.c_str(), owner_.uid, owner_.gid, AT_SYMLINK_NOFOLLOW);
        struct timespec times[2] = {st.st_mtim, st.st_mtim};
        ::utimensat(dst, n.c_str(), times, AT_SYMLINK_NOFOLLOW);
      }
      // Whiteouts of a stage's layer, sockets and device nodes: not copied.
    }
    return ok();
  }

  // One named source, already opened (symlinks followed inside its root).
  Result<void> copy_source(int src, const std::string& rel, const std::string& dest, bool dir_form) {
    struct stat st;
    if (::fstat(src, &st) < 0) return sys_error("stat {}", rel);
    if (S_ISDIR(st.st_mode)) {
      Fd to = TRY(make_dirs_in_root(dest));
      Fd to_rd = TRY(open_in_root(root_, dest, O_RDONLY | O_DIRECTORY, dest));
      return copy_tree(src, to_rd.get(), rel);
    }
    if (!S_ISREG(st.st_mode)) return user_error("{}: not a file or directory", rel);
    std::string base = rel.substr(rel.rfind('/') + 1);
    std::string dir, name;
    if (dir_form || is_dir_in_root(dest)) {
      dir = dest;
      name = base;
    } else {
      size_t slash = dest.rfind('/');
      dir = dest.substr(0, slash);
      name = dest.substr(slash + 1);
    }
    Fd parent = TRY(make_dirs_in_root(dir.empty() ? "/" : dir));
    return copy_file(src, parent.get(), name, st, dest);
  }

 private:
  int root_;
  Owner owner_;
  const DockerIgnore* ignore_;
};

// A tar, or a gzip, bzip2, xz or zstd stream (what ADD unpacks), by its
// first bytes; the file offset is left at 0.
bool looks_like_archive(int fd) {
  unsigned char head[512] = {};
  ssize_t n = ::pread(fd, head, sizeof head, 0);
  if (n < 6) return false;
  if (head[0] == 0x1f && head[1] == 0x8b) return true;                       // gzip
  if (head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') return true;       // bzip2
  if (head[0] == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X') return true;  // xz
  if (head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) return true;  // zstd
  return n >= 262 && std::memcmp(head + 257, "ustar", 5) == 0;               // tar
}

Result<void> mount_or_fail(const char* source, const std::string& target, const char* type,
                           unsigned long flags, const std::string& data) {
  if (::mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) < 0) {
    return sys_error("mount {} on {}", type ? type : source, target);
  }
  return ok();
}

std::string top_first(const std::vector<std::string>& bottom_first) {
  return lowerdir_option(std::vector<std::string>(bottom_first.rbegin(), bottom_first.rend()));
}

// The child: everything in its own mount namespace.
Result<void> child_copy(BuildEnv& env, const StageState& state, const CopySource& source,
                        const std::string& dest, const std::string& owner_text, bool unpack_archives,
                        int tar_out) {
  std::string mnt = env.store.images() + "/build-mnt";
  if (::unshare(CLONE_NEWNS) < 0) return sys_error("unshare(CLONE_NEWNS)");
  TRY(mount_or_fail(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, ""));
  TRY(mount_or_fail("tmpfs", mnt, "tmpfs", 0, "mode=0700"));
  for (const char* sub : {"/upper", "/work", "/root", "/empty", "/src"}) {
    if (::mkdir((mnt + sub).c_str(), 0755) < 0) return sys_error("mkdir {}{}", mnt, sub);
  }
  std::string lower = state.dirs.empty() ? mnt + "/empty" : top_first(state.dirs);
  TRY(mount_or_fail("overlay", mnt + "/root", "overlay", 0,
                    "lowerdir=" + lower + ",upperdir=" + mnt + "/upper,workdir=" + mnt + "/work"));
  Fd root(::open((mnt + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return sys_error("open {}/root", mnt);
  Owner owner = TRY(parse_owner(root.get(), owner_text));
  Copier copier(root.get(), owner, source.from_context ? &env.ignore : nullptr);
  bool dir_form = dest.back() == '/';
  if (source.from_context) {
    int added = 0;
    for (const auto& rel : source.paths) {
      Fd src = TRY(open_beneath(env.context.get(), rel, O_RDONLY, rel.empty() ? "." : rel));
      if (unpack_archives && looks_like_archive(src.get())) {
        // ADD of a local archive: unpacked through the safe unpacker into
        // the tmpfs first (an entry that would leave its tree fails the
        // step: docker refuses those too), then copied into the image like
        // a directory, .dockerignore not applying inside it. A compressed
        // file that is no tar fails as well (docker would copy it as it is).
        std::string tree = mnt + "/add-" + std::to_string(added++);
        UnpackOptions options;
        options.rootless = true;  // no device nodes, no owners: the copy sets them
        TRY_CTX(unpack_tar(src.get(), tree, LayerDigests{}, options), "ADD " + rel);
        Fd from(::open(tree.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!from) return sys_error("open {}", tree);
        Copier plain(root.get(), owner, nullptr);
        TRY(plain.copy_source(from.get(), "", dest, true));
        continue;
      }
      TRY(copier.copy_source(src.get(), rel, dest, dir_form || source.paths.size() > 1));
    }
  } else {
    if (source.root_dirs.empty()) return user_error("--from: that stage has no files");
    std::string src_root = source.root_dirs.front();
    if (source.root_dirs.size() > 1) {
      src_root = mnt + "/src";
      TRY(mount_or_fail("overlay", src_root, "overlay", MS_RDONLY, "lowerdir=" + top_first(source.root_dirs)));
    }
    Fd sroot(::open(src_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!sroot) return sys_error("open {}", src_root);
    for (const auto& path : source.paths) {
      Fd src = TRY(open_in_root(sroot.get(), path, O_RDONLY, path));
      std::string rel = path;
      while (!rel.empty() && rel.back() == '/') rel.pop_back();
      TRY(copier.copy_source(src.get(), rel.empty() ? "/" : rel, dest, dir_form || source.paths.size() > 1));
    }
  }
  TRY(write_upper_tar(mnt + "/upper", [tar_out](const void* d, size_t n) -> Result<void> {
    if (!write_all(tar_out, static_cast<const char*>(d), n)) return sys_error("write layer to pipe");
    return ok();
  }));
  return ok();
}

}  // namespace

Result<void> copy_step(BuildEnv& env, StageState& state, const Instruction& ins,
                       const CopySource& source, const std::string& dest, const std::string& owner,
                       bool unpack_archives) {
  if (::geteuid() != 0) return user_error("{} needs root for now (it mounts an overlay)", ins.keyword);
  TRY(make_dirs(env.store.images() + "/build-mnt", 0700));
  LayerBlobWriter writer = TRY(LayerBlobWriter::begin(env.layout));
  int tar_pipe[2], err_pipe[2];
  if (::pipe2(tar_pipe, O_CLOEXEC) < 0) return sys_error("pipe");
  if (::pipe2(err_pipe, O_CLOEXEC) < 0) {
    ::close(tar_pipe[0]);
    ::close(tar_pipe[1]);
    return sys_error("pipe");
  }
  Fd tar_read(tar_pipe[0]), tar_write(tar_pipe[1]), err_read(err_pipe[0]), err_write(err_pipe[1]);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    tar_read.reset();
    err_read.reset();
    auto copied = child_copy(env, state, source, dest, owner, unpack_archives, tar_write.get());
    if (!copied) {
      std::string m = copied.error().message();
      (void)write_all(err_write.get(), m.data(), m.size());
      ::_exit(1);
    }
    ::_exit(0);
  }
  tar_write.reset();
  err_write.reset();
  Result<void> streamed = ok();
  char buf[65536];
  while (true) {
    ssize_t n = ::read(tar_read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (streamed) streamed = writer.write(buf, static_cast<size_t>(n));
  }
  std::string message = read_all(err_read.get());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!message.empty()) return user_error("{}", message);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return user_error("the copy process failed");
  TRY(streamed);
  TRY(writer.finish());
  return add_layer(env, state, writer.blob(), writer.diff_id(), ins.original);
}

}  // namespace pocker::build
