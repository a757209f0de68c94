// What the image labs share: a fixture with a private --root, a small root file system to import
// (the host's static busybox and a file that says which image it came from), and a tar writer for
// archives that `tar` itself refuses to make (entries named `../x`, absolute symlinks).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/fs.hpp"

namespace lab::images {

// Debian's busybox-static: one static file, so a tree with it runs with no library at all.
inline constexpr const char* kHostBusybox = "/bin/busybox";

// One tar entry: a regular file ('0'), a directory ('5') or a symlink ('2').
struct TarEntry {
  std::string name;
  char type = '0';
  std::string data;  // file content, or the symlink's target
};

// The entries as a ustar archive (POSIX pax format's base: 512-byte header, data padded to 512).
inline std::string make_tar(const std::vector<TarEntry>& entries) {
  std::string out;
  for (const TarEntry& e : entries) {
    std::string h(512, '\0');
    const bool is_file = e.type == '0';
    const auto put = [&h](size_t at, const std::string& text) { h.replace(at, text.size(), text); };
    const auto octal = [](unsigned long long value, int width) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%0*llo", width - 1, value);
      return std::string(buf);
    };
    put(0, e.name.substr(0, 99));
    put(100, octal(e.type == '5' ? 0755 : 0644, 8));
    put(108, octal(0, 8));
    put(116, octal(0, 8));
    put(124, octal(is_file ? e.data.size() : 0, 12));
    put(136, octal(1700000000, 12));
    h[156] = e.type;
    if (e.type == '2') put(157, e.data.substr(0, 99));
    put(257, std::string("ustar\0" "00", 8));
    put(148, std::string(8, ' '));
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    put(148, octal(sum, 7) + std::string(1, '\0'));
    out += h;
    if (is_file) {
      out += e.data;
      out += std::string((512 - e.data.size() % 512) % 512, '\0');
    }
  }
  return out + std::string(1024, '\0');
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class ImagesTest : public LabTest {
 protected:
  // A root file system in a directory: /bin/busybox (static), /bin/sh -> busybox, and /hello.txt
  // holding `marker`. Skips the test when the host has no static busybox.
  std::string make_tree(const std::string& marker) {
    std::error_code ec;
    if (!std::filesystem::exists(kHostBusybox, ec)) return "";
    const std::string tree = dir_.path() + "/tree";
    std::filesystem::create_directories(tree + "/bin", ec);
    std::filesystem::copy_file(kHostBusybox, tree + "/bin/busybox",
                               std::filesystem::copy_options::overwrite_existing, ec);
    std::filesystem::create_symlink("busybox", tree + "/bin/sh", ec);
    write_file(tree + "/hello.txt", marker + "\n");
    return tree;
  }

  // `tar -C tree -c[z]f FILE .`: the tree as a root file system tar; "" on failure.
  std::string tar_of(const std::string& tree, bool gzip = false) {
    const std::string file = dir_.path() + (gzip ? "/rootfs.tar.gz" : "/rootfs.tar");
    const Outcome made = lab::run({"/bin/tar", "-C", tree, gzip ? "-czf" : "-cf", file, "."});
    return made.status == 0 ? file : "";
  }

  // An imported image of make_tree(marker), named `ref`, with `changes` (--change); asserts it worked.
  Outcome import_tree(const std::string& ref, const std::string& marker,
                      const std::vector<std::string>& changes = {}) {
    const std::string tree = make_tree(marker);
    std::vector<std::string> args = {"import"};
    for (const auto& change : changes) {
      args.push_back("--change");
      args.push_back(change);
    }
    args.push_back(tree.empty() ? "" : tar_of(tree));
    args.push_back(ref);
    return pocker.run(args);
  }

  TempDir dir_{"pocker-lab-images"};
};

}  // namespace lab::images
