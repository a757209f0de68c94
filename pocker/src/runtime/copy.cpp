#include "pocker/copy.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "pocker/changes.hpp"
#include "pocker/fs.hpp"
#include "pocker/libarchive.hpp"
#include "pocker/namespaces.hpp"
#include "pocker/op_lock.hpp"
#include "pocker/process.hpp"
#include "pocker/root.hpp"
#include "pocker/sync.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

// Who owns the files a copy writes, as host ids.
struct Owner {
  uint32_t uid = 0;
  uint32_t gid = 0;
};

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string dir_name(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Writes `path` (a file or a whole tree) as a tar stream to `fd`, with
// entry names starting at the path's base name. Symlinks are stored as
// links, never followed. `whole_root` (export): `path` is the root, the
// names are relative to it (`bin/sh`), and what is mounted on it (/proc,
// /dev, volumes) stays out: only the mount points themselves go in.
Result<void> write_tree(const std::string& path, int fd, bool whole_root = false) {
  ArchivePtr out(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(out.get());
  if (archive_write_open_fd(out.get(), fd) != ARCHIVE_OK) return archive_failure(out.get(), "tar");
  ArchivePtr disk(archive_read_disk_new(), archive_read_free);
  archive_read_disk_set_symlink_physical(disk.get());
  archive_read_disk_set_standard_lookup(disk.get());
  if (whole_root) archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
  if (archive_read_disk_open(disk.get(), path.c_str()) != ARCHIVE_OK) {
    return archive_failure(disk.get(), "cp: " + path);
  }
  std::string prefix = path;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  std::string top = base_name(path);
  while (true) {
    archive_entry* entry = archive_entry_new();
    int rc = archive_read_next_header2(disk.get(), entry);
    if (rc == ARCHIVE_EOF) {
      archive_entry_free(entry);
      break;
    }
    if (rc != ARCHIVE_OK) {
      archive_entry_free(entry);
      return archive_failure(disk.get(), "cp: " + path);
    }
    archive_read_disk_descend(disk.get());
    std::string name = archive_entry_sourcepath(entry);
    if (whole_root) {
      std::string relative = name.substr(std::min(name.size(), prefix.size()));
      while (!relative.empty() && relative[0] == '/') relative.erase(0, 1);
      if (relative.empty()) {  // the root itself: no entry, as docker's export
        archive_entry_free(entry);
        continue;
      }
      archive_entry_set_pathname(entry, relative.c_str());
    } else {
      archive_entry_set_pathname(entry, (top + name.substr(prefix.size())).c_str());
    }
    if (archive_write_header(out.get(), entry) != ARCHIVE_OK) {
      archive_entry_free(entry);
      return archive_failure(out.get(), "tar " + name);
    }
    bool written = true;
    if (archive_entry_filetype(entry) == AE_IFREG) {
      int file = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      char buf[65536];
      ssize_t n;
      // A failed write (the reader gone: EPIPE) ends the copy; the reader's
      // own error, if it sent one, says more.
      while (written && file >= 0 && (n = ::read(file, buf, sizeof buf)) > 0) {
        written = archive_write_data(out.get(), buf, static_cast<size_t>(n)) >= 0;
      }
      if (file >= 0) ::close(file);
    }
    archive_entry_free(entry);
    if (!written) return archive_failure(out.get(), "tar " + name);
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK) return archive_failure(out.get(), "tar");
  return ok();
}

// Reads a tar stream from `fd` and writes it at `target`, cp-style: into
// `target` when it is a directory, else as `target` (the top entry renamed).
// libarchive refuses `..`. On the host (`confined` false) it also refuses to
// write through symlinks in the way; inside the container a symlink can only
// lead somewhere in the container's own root, so it is followed, as cp(1) would.
// With `owner`, every file written belongs to it (see enter_container_root).
Result<void> read_tree(int fd, const std::string& target, bool confined,
                       const std::optional<Owner>& owner) {
  struct stat st;
  bool into = ::stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  std::string dest_dir = into ? target : dir_name(target);
  std::string rename_to = into ? "" : base_name(target);
  ArchivePtr in(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(in.get());
  if (archive_read_open_fd(in.get(), fd, 65536) != ARCHIVE_OK) return archive_failure(in.get(), "tar");
  ArchivePtr out(archive_write_disk_new(), archive_write_free);
  int options = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                ARCHIVE_EXTRACT_UNLINK;
  if (!confined) options |= ARCHIVE_EXTRACT_SECURE_SYMLINKS;
  if (owner) options |= ARCHIVE_EXTRACT_OWNER;
  archive_write_disk_set_options(out.get(), options);
  archive_entry* entry;
  int rc;
  while ((rc = archive_read_next_header(in.get(), &entry)) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(entry);
    if (name.empty() || name[0] == '/') return user_error("cp: unsafe path \"{}\"", name);
    if (!rename_to.empty()) {
      size_t slash = name.find('/');
      name = rename_to + (slash == std::string::npos ? "" : name.substr(slash));
    }
    archive_entry_set_pathname(entry, (dest_dir + "/" + name).c_str());
    if (owner) {
      archive_entry_set_uid(entry, owner->uid);
      archive_entry_set_gid(entry, owner->gid);
    }
    if (archive_write_header(out.get(), entry) != ARCHIVE_OK) {
      return archive_failure(out.get(), "cp " + name);
    }
    const void* block;
    size_t len;
    la_int64_t offset;
    while ((rc = archive_read_data_block(in.get(), &block, &len, &offset)) == ARCHIVE_OK) {
      // A full disk shows here (ENOSPC): stop, and say so.
      if (archive_write_data_block(out.get(), block, len, offset) != ARCHIVE_OK) {
        return archive_failure(out.get(), "cp " + name);
      }
    }
    if (rc != ARCHIVE_EOF) break;
    // A warning here (a time or mode not restored) never failed cp before.
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN) return archive_failure(out.get(), "cp " + name);
  }
  if (rc != ARCHIVE_EOF) return archive_failure(in.get(), "cp");
  return ok();
}

// The host ids that root inside maps to, from root's --userns maps; none
// without them (no user namespace, or rootless: the caller is root inside).
std::optional<Owner> root_owner(const ContainerSpec& spec) {
  auto uid = outside_of_root(spec.uid_map);
  auto gid = outside_of_root(spec.gid_map);
  if (!uid || !gid) return std::nullopt;
  return Owner{*uid, *gid};
}

// Enters the container's root in this (child) process. Returns whom the
// files written there must belong to, when that is not us: a stopped
// container with root's --userns has no user namespace to join, and host
// root's files would show as nobody (65534) inside; they must belong to
// the host uid and gid that the container's root maps to.
Result<std::optional<Owner>> enter_container_root(StateStore& store, const std::string& id) {
  auto state = TRY(store.load(id));
  auto spec = TRY(store.load_spec(id));
  if (state.status == "running" && state.pid > 0) {
    auto namespaces = TRY(open_namespaces(state.pid, {"user", "mnt"}));
    TRY(join_namespaces(namespaces));
    if (::chdir("/") < 0) return sys_error("chdir /");
    return std::optional<Owner>();
  }
  // Stopped: its root exists only as image + upper dir; mount it privately.
  if (::unshare(CLONE_NEWNS) < 0) return sys_error("unshare(CLONE_NEWNS)");
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) return sys_error("make mounts private");
  std::string root = spec.rootfs;
  if (spec.rootfs_is_image) {
    root = spec.state_dir + "/rootfs";
    std::string options = fmt::format("lowerdir={},upperdir={}/upper,workdir={}/work",
                                      lowerdir_option(spec.layers), spec.state_dir, spec.state_dir);
    if (::mount("overlay", root.c_str(), "overlay", 0, options.c_str()) < 0) {
      return sys_error("mount the container's overlay on {}", root);
    }
  }
  if (::chroot(root.c_str()) < 0) return sys_error("chroot {}", root);
  if (::chdir("/") < 0) return sys_error("chdir /");
  return root_owner(spec);
}

// Runs `container_side` in a child inside the container and `host_side`
// here, joined by a pipe: `to_container` says which way the data flows.
Result<void> transfer(StateStore& store, const std::string& id, bool to_container,
                      const std::function<Result<void>(int)>& host_side,
                      const std::function<Result<void>(int, const std::optional<Owner>&)>& container_side) {
  // For the whole copy: the overlay of a stopped container, mounted here,
  // must not be mounted by a `start` at the same time (one upper and one
  // work directory), and an `rm` must not remove what we read or write.
  auto lock = TRY(OpLock::take(store, id));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return sys_error("pipe");
  int host_fd = to_container ? fds[1] : fds[0];
  int child_fd = to_container ? fds[0] : fds[1];
  auto err_pair = make_sync_pair();  // carries the child's error text back
  if (!err_pair) return std::move(err_pair).error();
  auto child = spawn(CloneOptions{}, [&]() -> int {
    ::close(host_fd);
    err_pair.value().parent.close();
    die_with_parent(err_pair.value().child);
    auto owner = enter_container_root(store, id);
    auto done = owner ? container_side(child_fd, owner.value()) : Result<void>(std::move(owner).error());
    if (!done) {
      err_pair.value().child.send_error(SyncStage::kSetup, done.error());
      return 1;
    }
    return 0;
  });
  ::close(child_fd);
  err_pair.value().child.close();
  if (!child) {
    ::close(host_fd);
    return std::move(child).error();
  }
  auto host_result = host_side(host_fd);
  ::close(host_fd);
  auto message = err_pair.value().parent.recv();
  auto status = child.value().wait();
  if (message && message.value() && message.value()->type == SyncMessage::Type::kError) {
    return errno_error(message.value()->err, "{}", message.value()->text);
  }
  if (!host_result) return host_result;
  if (!status || status.value().shell_code() != 0) return user_error("cp: the copy inside the container failed");
  return ok();
}

}  // namespace

Result<void> copy_into_container(StateStore& store, const std::string& id,
                                 const std::string& source, const std::string& target) {
  TRY(load_libarchive());  // here: the container's side cannot load it from inside its root
  struct stat st;
  if (::lstat(source.c_str(), &st) < 0) return sys_error("cp: {}", source);
  trace("cp {} -> container {}:{}", source, id.substr(0, 12), target);
  return transfer(
      store, id, true, [&](int fd) { return write_tree(source, fd); },
      [&](int fd, const std::optional<Owner>& owner) { return read_tree(fd, target, true, owner); });
}

Result<void> copy_from_container(StateStore& store, const std::string& id,
                                 const std::string& source, const std::string& target) {
  TRY(load_libarchive());  // here: the container's side cannot load it from inside its root
  trace("cp container {}:{} -> {}", id.substr(0, 12), source, target);
  return transfer(
      store, id, false, [&](int fd) { return read_tree(fd, target, false, std::nullopt); },
      [&](int fd, const std::optional<Owner>&) { return write_tree(source, fd); });
}

}  // namespace pocker

namespace pocker {

Result<void> export_container(StateStore& store, const std::string& id, int fd) {
  TRY(load_libarchive());  // here: the container's side cannot load it from inside its root
  trace("export container {}", id.substr(0, 12));
  return transfer(
      store, id, false,
      [&](int from) -> Result<void> {
        char buf[65536];
        ssize_t n;
        while ((n = ::read(from, buf, sizeof buf)) > 0) {
          if (!write_all(fd, buf, static_cast<size_t>(n))) return sys_error("export: write the tar");
        }
        return ok();
      },
      [&](int to, const std::optional<Owner>&) { return write_tree("/", to, true); });
}

}  // namespace pocker
