// A fake cgroupfs for the cgroup tests: ordinary directories in a
// temporary folder, with the few kernel behaviours the drivers rely on.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"

namespace pocker {

// Makes an ordinary directory behave like cgroupfs where the drivers care:
// a new directory gets the interface files its parent has (empty), and its
// cgroup.controllers lists what the parent enabled in cgroup.subtree_control
// (cgroup-v2.rst, "Top-down Constraint"); rmdir refuses with EBUSY while
// cgroup.procs lists a process or a child cgroup exists, and otherwise
// removes the directory with its interface files.
inline CgroupDirOps fake_kernel() {
  namespace fs = std::filesystem;
  CgroupDirOps ops;
  ops.make_dir = [](const std::string& path) -> Result<void> {
    if (::mkdir(path.c_str(), 0755) < 0) return sys_error("mkdir {}", path);
    std::string parent = path.substr(0, path.rfind('/'));
    for (const auto& entry : fs::directory_iterator(parent)) {
      if (!entry.is_regular_file()) continue;
      std::string name = entry.path().filename().string();
      std::string content;
      if (name == "cgroup.controllers") {
        auto enabled = read_file(parent + "/cgroup.subtree_control");
        content = enabled ? enabled.value() : "";
        std::erase(content, '+');
      }
      TRY(write_file_atomic(path + "/" + name, content));
    }
    return ok();
  };
  ops.remove_dir = [](const std::string& path) -> Result<void> {
    if (!cgroupfs::exists(path)) return errno_error(ENOENT, "rmdir {}", path);
    auto pids = cgroupfs::read_pids(path + "/cgroup.procs");
    if (pids && !pids.value().empty()) return errno_error(EBUSY, "rmdir {}", path);
    for (const auto& entry : fs::directory_iterator(path)) {
      if (entry.is_directory()) return errno_error(EBUSY, "rmdir {}", path);
    }
    return remove_tree(path);
  };
  return ops;
}

}  // namespace pocker
