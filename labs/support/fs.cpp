#include "support/fs.hpp"

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <vector>

namespace lab {
namespace {

namespace fs = std::filesystem;

// Every mount point /proc/self/mountinfo lists (its fifth field, with "\040"-style escapes undone).
// Bind mounts count: unlike a change of st_dev (nftw's FTW_MOUNT), this catches a bind mount of a
// directory from the same file system.
std::set<std::string> mount_points() {
  std::set<std::string> points;
  std::istringstream info(read_file("/proc/self/mountinfo"));
  for (std::string line; std::getline(info, line);) {
    std::istringstream fields(line);
    std::string field, escaped;
    for (int i = 0; i < 4; ++i) fields >> field;
    fields >> escaped;
    std::string point;
    for (size_t i = 0; i < escaped.size(); ++i) {
      if (escaped[i] == '\\' && i + 3 < escaped.size()) {
        point += static_cast<char>(std::stoi(escaped.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        point += escaped[i];
      }
    }
    points.insert(point);
  }
  return points;
}

void remove_below(const fs::path& dir, const std::set<std::string>& mounts) {
  std::error_code ignored;
  const std::vector<fs::directory_entry> entries(fs::directory_iterator(dir, ignored), fs::directory_iterator());
  for (const fs::directory_entry& entry : entries) {
    if (mounts.count(entry.path().string()) != 0) continue;  // a mount: leave it and all under it
    if (entry.symlink_status(ignored).type() == fs::file_type::directory) remove_below(entry.path(), mounts);
    fs::remove(entry.path(), ignored);
  }
}

}  // namespace

TempDir::TempDir(std::string_view prefix) {
  std::string pattern = "/tmp/" + std::string(prefix) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() { remove_tree(path_); }

void remove_tree(const std::string& path) {
  std::error_code ignored;
  const fs::path root = fs::weakly_canonical(path, ignored);  // mountinfo names real paths
  if (root.empty()) return;
  const std::set<std::string> mounts = mount_points();
  if (mounts.count(root.string()) != 0) return;
  remove_below(root, mounts);
  fs::remove(root, ignored);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace lab
