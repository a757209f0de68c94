// What the image tests share: layer tars written with libarchive (the
// malicious ones included), a temporary directory per test, and running
// an outside tool (skopeo, umoci) for the interop tests.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "pocker/fd.hpp"
#include "pocker/fs.hpp"

namespace pocker::test {

/// One tar entry to write.
struct TarEntry {
  enum Kind { kFile, kDir, kSymlink, kHardlink, kCharDev, kFifo };
  std::string name;
  Kind kind = kFile;
  std::string data;  ///< a file's content, or a link's target
  unsigned mode = 0644;
  std::vector<std::pair<std::string, std::string>> xattrs;
  long long declared_size = -1;  ///< when >= 0: the size the header claims; data is zeros of it
};

inline TarEntry file(std::string name, std::string data, unsigned mode = 0644) {
  return {std::move(name), TarEntry::kFile, std::move(data), mode, {}, -1};
}
inline TarEntry dir(std::string name, unsigned mode = 0755) {
  return {std::move(name), TarEntry::kDir, "", mode, {}, -1};
}
inline TarEntry symlink(std::string name, std::string target) {
  return {std::move(name), TarEntry::kSymlink, std::move(target), 0777, {}, -1};
}
inline TarEntry hardlink(std::string name, std::string target) {
  return {std::move(name), TarEntry::kHardlink, std::move(target), 0644, {}, -1};
}

enum class Compression { kNone, kGzip, kZstd };

/// Copies the file `from` into `to` through libarchive's `compression`
/// filter (the raw format writes the bytes as they are).
inline void compress_file(const std::string& from, const std::string& to, Compression compression) {
  auto text = read_file(from);
  ASSERT_TRUE(text) << text.error().message();
  Fd fd(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd) << to;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  if (compression == Compression::kGzip) archive_write_add_filter_gzip(a);
  if (compression == Compression::kZstd) archive_write_add_filter_zstd(a);
  ASSERT_EQ(archive_write_open_fd(a, fd.get()), ARCHIVE_OK) << archive_error_string(a);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, "data");
  archive_entry_set_filetype(entry, AE_IFREG);
  ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << archive_error_string(a);
  archive_entry_free(entry);
  const std::string& data = text.value();
  ASSERT_EQ(archive_write_data(a, data.data(), data.size()), static_cast<la_ssize_t>(data.size()));
  ASSERT_EQ(archive_write_free(a), ARCHIVE_OK);
}

/// Writes `entries` as a pax tar to `path`, compressed as asked; `trailer`
/// bytes of zeros follow the tar's end inside the compressed stream (a
/// bomb can hide there: no entry claims them). Fails the test on a
/// libarchive error.
inline void write_tar(const std::string& path, const std::vector<TarEntry>& entries,
                      Compression compression = Compression::kNone, size_t trailer = 0) {
  std::string plain = path + ".writing-uncompressed";
  {
    Fd fd(::open(plain.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd) << plain;
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    ASSERT_EQ(archive_write_open_fd(a, fd.get()), ARCHIVE_OK) << archive_error_string(a);
    for (const auto& e : entries) {
      archive_entry* entry = archive_entry_new();
      archive_entry_set_pathname(entry, e.name.c_str());
      archive_entry_set_perm(entry, static_cast<__LA_MODE_T>(e.mode));
      archive_entry_set_mtime(entry, 1700000000, 0);
      std::string zeros;
      const std::string* data = &e.data;
      switch (e.kind) {
        case TarEntry::kFile:
          archive_entry_set_filetype(entry, AE_IFREG);
          if (e.declared_size >= 0) {
            zeros.assign(static_cast<size_t>(e.declared_size), '\0');
            data = &zeros;
          }
          archive_entry_set_size(entry, static_cast<la_int64_t>(data->size()));
          break;
        case TarEntry::kDir:
          archive_entry_set_filetype(entry, AE_IFDIR);
          break;
        case TarEntry::kSymlink:
          archive_entry_set_filetype(entry, AE_IFLNK);
          archive_entry_set_symlink(entry, e.data.c_str());
          break;
        case TarEntry::kHardlink:
          archive_entry_set_filetype(entry, AE_IFREG);
          archive_entry_set_hardlink(entry, e.data.c_str());
          archive_entry_set_size(entry, 0);
          break;
        case TarEntry::kCharDev:
          archive_entry_set_filetype(entry, AE_IFCHR);
          archive_entry_set_rdevmajor(entry, 1);
          archive_entry_set_rdevminor(entry, 3);
          break;
        case TarEntry::kFifo:
          archive_entry_set_filetype(entry, AE_IFIFO);
          break;
      }
      for (const auto& [key, value] : e.xattrs) {
        archive_entry_xattr_add_entry(entry, key.c_str(), value.data(), value.size());
      }
      ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK)
          << e.name << ": " << archive_error_string(a);
      if (e.kind == TarEntry::kFile && !data->empty()) {
        ASSERT_EQ(archive_write_data(a, data->data(), data->size()),
                  static_cast<la_ssize_t>(data->size()));
      }
      archive_entry_free(entry);
    }
    ASSERT_EQ(archive_write_free(a), ARCHIVE_OK);
    if (trailer > 0) {
      std::string zeros(trailer, '\0');
      ASSERT_EQ(::pwrite(fd.get(), zeros.data(), zeros.size(), ::lseek(fd.get(), 0, SEEK_END)),
                static_cast<ssize_t>(zeros.size()));
    }
  }
  if (compression == Compression::kNone) {
    ASSERT_EQ(::rename(plain.c_str(), path.c_str()), 0);
  } else {
    compress_file(plain, path, compression);
    ::unlink(plain.c_str());
  }
}

/// A temporary directory per test, removed whatever the test did.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("/tmp/pocker-image-test-").value(); }
  void TearDown() override { (void)remove_tree(dir_); }
  std::string dir_;
};

/// Runs `cmd` through sh; returns its exit status, with what it printed
/// (stdout and stderr) in `out`.
inline int run_shell(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int status = ::pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// True when `tool` is on the PATH.
inline bool have_tool(const std::string& tool) {
  return run_shell("command -v " + tool + " >/dev/null") == 0;
}

}  // namespace pocker::test
