// The embedded busybox image: a tar linked into the pocker binary (see
// rootfs/), unpacked once per store root into images/embedded/<digest>/.
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "pocker/fs.hpp"
#include "pocker/image.hpp"
#include "pocker/libarchive.hpp"
#include "pocker/trace.hpp"

extern "C" {
extern const unsigned char pocker_busybox_tar_start[];
extern const unsigned char pocker_busybox_tar_end[];
extern const char pocker_busybox_digest[];
}

namespace pocker {
namespace {

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

// Refuse names that could land outside the target directory.
bool safe_entry_name(const std::string& name) {
  if (name.empty() || name[0] == '/') return false;
  for (const auto& part : std::filesystem::path(name)) {
    if (part == "..") return false;
  }
  return true;
}

Result<void> unpack_tar(const unsigned char* data, size_t size, const std::string& dest) {
  ArchivePtr in(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(in.get());
  if (archive_read_open_memory(in.get(), data, size) != ARCHIVE_OK) {
    return archive_failure(in.get(), "open embedded image");
  }
  ArchivePtr out(archive_write_disk_new(), archive_write_free);
  // SECURE_* make libarchive refuse `..` and writing through symlinks.
  // Only root may give files away; rootless, everything belongs to the
  // caller, which the user namespace then shows as root inside.
  int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
              ARCHIVE_EXTRACT_SECURE_SYMLINKS;
  if (::geteuid() == 0) flags |= ARCHIVE_EXTRACT_OWNER;
  archive_write_disk_set_options(out.get(), flags);
  archive_entry* entry = nullptr;
  int rc;
  while ((rc = archive_read_next_header(in.get(), &entry)) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(entry);
    if (name.rfind("./", 0) == 0) name.erase(0, 2);
    if (name.empty()) continue;
    if (!safe_entry_name(name)) return user_error("embedded image: unsafe path \"{}\"", name);
    archive_entry_set_pathname(entry, (dest + "/" + name).c_str());
    if (const char* link = archive_entry_hardlink(entry)) {
      std::string target = link;
      if (target.rfind("./", 0) == 0) target.erase(0, 2);
      archive_entry_set_hardlink(entry, (dest + "/" + target).c_str());
    }
    if (archive_write_header(out.get(), entry) != ARCHIVE_OK) {
      return archive_failure(out.get(), "unpack " + name);
    }
    const void* block;
    size_t len;
    la_int64_t offset;
    while ((rc = archive_read_data_block(in.get(), &block, &len, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(out.get(), block, len, offset) != ARCHIVE_OK) {
        return archive_failure(out.get(), "unpack " + name);
      }
    }
    if (rc != ARCHIVE_EOF) return archive_failure(in.get(), "read " + name);
    if (archive_write_finish_entry(out.get()) != ARCHIVE_OK) {
      return archive_failure(out.get(), "unpack " + name);
    }
  }
  if (rc != ARCHIVE_EOF) return archive_failure(in.get(), "read embedded image");
  return ok();
}

}  // namespace

std::string embedded_image_digest() { return pocker_busybox_digest; }

std::string default_store_root() {
  if (const char* env = ::getenv("POCKER_ROOT"); env && *env) return env;
  if (::geteuid() == 0) return "/var/lib/pocker";
  if (const char* data = ::getenv("XDG_DATA_HOME"); data && *data) {
    return std::string(data) + "/pocker";
  }
  const char* home = ::getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.local/share/pocker";
}

Result<std::string> image_rootfs(const StoreRoot& store, const std::string& name) {
  if (name != "busybox" && name != "busybox:latest") {
    return user_error("image \"{}\" not found (this pocker knows only the embedded busybox image)",
                      name);
  }
  std::string digest = embedded_image_digest();
  std::string hex = digest.substr(digest.find(':') + 1);
  std::string dir = store.images() + "/embedded/" + hex;
  std::string rootfs = dir + "/rootfs";
  if (::access(rootfs.c_str(), F_OK) == 0) return rootfs;

  // Unpack into a private temporary directory, then rename it into place.
  // rename(2) is atomic, so concurrent first runs never see half an image:
  // the loser finds the directory already there and throws its copy away.
  // libarchive is loaded here, not at start: most runs find the image unpacked.
  TRY(load_libarchive());
  TRY(make_dirs(store.images() + "/embedded", 0700));
  std::string tmp = TRY(make_temp_dir(store.images() + "/embedded/.unpack-"));
  trace("unpack embedded image {} into {}", digest, dir);
  auto unpacked = unpack_tar(pocker_busybox_tar_start,
                             static_cast<size_t>(pocker_busybox_tar_end - pocker_busybox_tar_start),
                             tmp + "/rootfs");
  if (unpacked && ::rename(tmp.c_str(), dir.c_str()) == 0) return rootfs;
  int err = errno;
  (void)remove_tree(tmp);
  if (!unpacked) return std::move(unpacked).error();
  if (::access(rootfs.c_str(), F_OK) == 0) return rootfs;  // another pocker won the race
  return errno_error(err, "rename {} to {}", tmp, dir);
}

}  // namespace pocker
