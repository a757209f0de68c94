// The libarchive functions pocker calls, as forwarders into a libarchive
// loaded with dlopen() on first use (see pocker/libarchive.hpp for why).
//
// Each forwarder has the name and type <archive.h> declares, so the
// compiler rejects one whose signature does not match the library's. A
// libarchive function used without a forwarder here fails at link time
// (the core no longer links libarchive): add it to the list below.
#include "pocker/libarchive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

#include <string>

#include "pocker/runtime.hpp"

namespace pocker {
namespace {

// libarchive 3 has kept this soname since 3.0; a 4.x would change it, and
// this file with it.
static_assert(ARCHIVE_VERSION_NUMBER >= 3000000 && ARCHIVE_VERSION_NUMBER < 4000000,
              "libarchive.so.13 is the soname of libarchive 3");
constexpr const char* kSoname = "libarchive.so.13";

struct Library {
  void* handle = nullptr;
  std::string error;  // dlerror() of the one attempt, when it failed
};

const Library& library() {
  // RTLD_LOCAL: its symbols stay out of the global scope, where they would
  // clash with the forwarders below.
  static const Library loaded = [] {
    Library lib;
    lib.handle = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (!lib.handle) {
      const char* why = ::dlerror();
      lib.error = why ? why : "not found";
    }
    return lib;
  }();
  return loaded;
}

}  // namespace

Result<void> load_libarchive() {
  if (library().handle) return ok();
  return user_error("load {}: {} (is the libarchive13 package installed?)", kSoname,
                    library().error);
}

Error archive_failure(struct archive* a, const std::string& what) {
  const char* text = archive_error_string(a);
  int err = archive_errno(a);
  // libarchive's own codes, from its private archive_platform.h on Linux:
  // -1 (ARCHIVE_ERRNO_MISC), EILSEQ (a bad archive) and EINVAL (a misuse).
  if (err < 0 || err == EILSEQ || err == EINVAL) err = 0;
  return errno_error(err, "{}: {}", what, text ? text : "failed");
}

namespace {

// The real `name`, for a forwarder. With no library there is no way to go
// on (a forwarder cannot return an error of its own): one line, exit 125.
void* libarchive_symbol(const char* name) {
  auto loaded = load_libarchive();
  void* fn = loaded ? ::dlsym(library().handle, name) : nullptr;
  if (!fn) {
    std::string line = "pocker: " +
                       (loaded ? std::string("libarchive has no ") + name
                               : loaded.error().message()) +
                       "\n";
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
    ::_exit(kExitPockerFailed);
  }
  return fn;
}

}  // namespace
}  // namespace pocker

// One forwarder per arity: the real function is looked up once, on the
// first call, and kept in a function-local static.
#define POCKER_REAL(name) \
  static const auto real = reinterpret_cast<decltype(&name)>(pocker::libarchive_symbol(#name))
#define POCKER_FORWARD0(ret, name) \
  extern "C" ret name(void) {      \
    POCKER_REAL(name);             \
    return real();                 \
  }
#define POCKER_FORWARD1(ret, name, T1) \
  extern "C" ret name(T1 a1) {         \
    POCKER_REAL(name);                 \
    return real(a1);                   \
  }
#define POCKER_FORWARD2(ret, name, T1, T2) \
  extern "C" ret name(T1 a1, T2 a2) {      \
    POCKER_REAL(name);                     \
    return real(a1, a2);                   \
  }
#define POCKER_FORWARD3(ret, name, T1, T2, T3) \
  extern "C" ret name(T1 a1, T2 a2, T3 a3) {   \
    POCKER_REAL(name);                         \
    return real(a1, a2, a3);                   \
  }
#define POCKER_FORWARD4(ret, name, T1, T2, T3, T4) \
  extern "C" ret name(T1 a1, T2 a2, T3 a3, T4 a4) { \
    POCKER_REAL(name);                              \
    return real(a1, a2, a3, a4);                    \
  }
#define POCKER_FORWARD5(ret, name, T1, T2, T3, T4, T5)    \
  extern "C" ret name(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) { \
    POCKER_REAL(name);                                     \
    return real(a1, a2, a3, a4, a5);                       \
  }

using ArchiveP = struct archive*;
using EntryP = struct archive_entry*;

// Archives: made, configured, freed.
POCKER_FORWARD0(ArchiveP, archive_read_new)
POCKER_FORWARD0(ArchiveP, archive_read_disk_new)
POCKER_FORWARD0(ArchiveP, archive_write_new)
POCKER_FORWARD0(ArchiveP, archive_write_disk_new)
POCKER_FORWARD1(int, archive_read_free, ArchiveP)
POCKER_FORWARD1(int, archive_write_free, ArchiveP)
POCKER_FORWARD1(int, archive_read_support_format_tar, ArchiveP)
POCKER_FORWARD1(int, archive_read_support_format_raw, ArchiveP)
POCKER_FORWARD1(int, archive_read_support_filter_gzip, ArchiveP)
POCKER_FORWARD1(int, archive_read_support_filter_zstd, ArchiveP)
POCKER_FORWARD1(int, archive_write_add_filter_gzip, ArchiveP)
POCKER_FORWARD1(int, archive_write_add_filter_zstd, ArchiveP)
POCKER_FORWARD1(int, archive_write_set_format_pax_restricted, ArchiveP)
POCKER_FORWARD1(int, archive_write_set_format_raw, ArchiveP)
POCKER_FORWARD1(int, archive_read_disk_set_symlink_physical, ArchiveP)
POCKER_FORWARD1(int, archive_read_disk_set_standard_lookup, ArchiveP)
POCKER_FORWARD2(int, archive_read_disk_set_behavior, ArchiveP, int)
POCKER_FORWARD2(int, archive_write_disk_set_options, ArchiveP, int)
POCKER_FORWARD1(int, archive_errno, ArchiveP)
POCKER_FORWARD2(int, archive_filter_code, ArchiveP, int)
POCKER_FORWARD1(const char*, archive_error_string, ArchiveP)

// Reading.
POCKER_FORWARD3(int, archive_read_open_memory, ArchiveP, const void*, size_t)
POCKER_FORWARD3(int, archive_read_open_fd, ArchiveP, int, size_t)
POCKER_FORWARD5(int, archive_read_open, ArchiveP, void*, archive_open_callback*,
                archive_read_callback*, archive_close_callback*)
POCKER_FORWARD2(int, archive_read_disk_open, ArchiveP, const char*)
POCKER_FORWARD1(int, archive_read_disk_descend, ArchiveP)
POCKER_FORWARD2(int, archive_read_next_header, ArchiveP, EntryP*)
POCKER_FORWARD2(int, archive_read_next_header2, ArchiveP, EntryP)
POCKER_FORWARD4(int, archive_read_data_block, ArchiveP, const void**, size_t*, la_int64_t*)

// Writing.
POCKER_FORWARD2(int, archive_write_open_fd, ArchiveP, int)
POCKER_FORWARD5(int, archive_write_open, ArchiveP, void*, archive_open_callback*,
                archive_write_callback*, archive_close_callback*)
POCKER_FORWARD4(int, archive_write_set_filter_option, ArchiveP, const char*, const char*,
                const char*)
POCKER_FORWARD2(int, archive_write_set_bytes_in_last_block, ArchiveP, int)
POCKER_FORWARD2(int, archive_write_header, ArchiveP, EntryP)
POCKER_FORWARD3(la_ssize_t, archive_write_data, ArchiveP, const void*, size_t)
POCKER_FORWARD4(la_ssize_t, archive_write_data_block, ArchiveP, const void*, size_t, la_int64_t)
POCKER_FORWARD1(int, archive_write_finish_entry, ArchiveP)
POCKER_FORWARD1(int, archive_write_close, ArchiveP)

// Entries.
POCKER_FORWARD0(EntryP, archive_entry_new)
POCKER_FORWARD1(void, archive_entry_free, EntryP)
POCKER_FORWARD1(const char*, archive_entry_pathname, EntryP)
POCKER_FORWARD1(const char*, archive_entry_hardlink, EntryP)
POCKER_FORWARD1(const char*, archive_entry_sourcepath, EntryP)
POCKER_FORWARD1(const char*, archive_entry_symlink, EntryP)
POCKER_FORWARD1(__LA_MODE_T, archive_entry_filetype, EntryP)
POCKER_FORWARD2(void, archive_entry_set_pathname, EntryP, const char*)
POCKER_FORWARD2(void, archive_entry_set_hardlink, EntryP, const char*)
POCKER_FORWARD2(void, archive_entry_set_uid, EntryP, la_int64_t)
POCKER_FORWARD2(void, archive_entry_set_gid, EntryP, la_int64_t)
POCKER_FORWARD1(la_int64_t, archive_entry_size, EntryP)
POCKER_FORWARD1(int, archive_entry_size_is_set, EntryP)
// Entries made from scratch: the image tests' layers now, `save` and
// `commit` later (with the write filters above).
POCKER_FORWARD2(void, archive_entry_set_filetype, EntryP, unsigned int)
POCKER_FORWARD2(void, archive_entry_set_perm, EntryP, __LA_MODE_T)
POCKER_FORWARD2(void, archive_entry_set_size, EntryP, la_int64_t)
POCKER_FORWARD2(void, archive_entry_set_symlink, EntryP, const char*)
POCKER_FORWARD2(void, archive_entry_set_rdevmajor, EntryP, dev_t)
POCKER_FORWARD2(void, archive_entry_set_rdevminor, EntryP, dev_t)
POCKER_FORWARD3(void, archive_entry_set_mtime, EntryP, time_t, long)

// Extended attributes of an entry (overlayfs's are dropped on unpack).
POCKER_FORWARD1(int, archive_entry_xattr_reset, EntryP)
POCKER_FORWARD4(int, archive_entry_xattr_next, EntryP, const char**, const void**, size_t*)
POCKER_FORWARD1(void, archive_entry_xattr_clear, EntryP)
POCKER_FORWARD4(void, archive_entry_xattr_add_entry, EntryP, const char*, const void*, size_t)
