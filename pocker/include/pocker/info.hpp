/// @file
/// @brief `pocker info`: what this host offers containers, and how to fix what is missing.
#pragma once

#include <string>
#include <vector>

namespace pocker {

/// One fact about the host, with a fix when something is missing.
struct HostFact {
  std::string name;   ///< e.g. "cgroups"
  std::string value;  ///< e.g. "hybrid (v1 controllers: ...)"
  bool ok = true;     ///< false: pocker cannot use it as it is
  std::string fix;    ///< one line on how to fix it, when !ok
};

/// Checks the kernel, cgroups, user namespaces, overlayfs, pivot_root and
/// the rootless helpers. `store_root` is where images would be unpacked
/// (overlayfs is tried there).
std::vector<HostFact> host_facts(const std::string& store_root);

}  // namespace pocker
