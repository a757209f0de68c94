// Internal to the net module: nft script text in, the kernel's answer out,
// through Debian's libnftables (the library the `nft` tool is built on).
#pragma once

#include <string>

#include "pocker/error.hpp"

namespace pocker {

/// How nft_run() prints what it lists.
enum class NftOutput { kText, kJsonWithHandles };

/// Runs one nft script as one transaction: all of it, or (on an error)
/// none of it. Returns what the commands printed (`list`), and on failure
/// libnftables' own message. libnftables.so.1 is dlopen()ed on first use.
Result<std::string> nft_run(const std::string& script, NftOutput output = NftOutput::kText);

}  // namespace pocker
