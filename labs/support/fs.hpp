// Small file-system helpers for labs: private temporary directories and whole-file reads.
#pragma once

#include <string>
#include <string_view>

namespace lab {

// A fresh directory /tmp/<prefix>-XXXXXX (mkdtemp), removed with its contents when this goes away.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "pocker-lab");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Removes a tree, best effort, without going into any mount inside it: a mount left behind (say a
// container's bind mount of a host directory) must not be emptied through it. Unmounts nothing; a
// directory that holds a mount stays, with the mount.
void remove_tree(const std::string& path);

// The whole file, or "" when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace lab
