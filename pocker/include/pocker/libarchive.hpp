/// @file
/// @brief libarchive, loaded on first use instead of at every start.
///
/// Linked the usual way, libarchive.so.13 brings a dozen libraries with it
/// (libxml2, the ICU libraries, nettle, lzma, zstd, ...), and the dynamic
/// loader maps and relocates all of them before main() of every pocker
/// command, although only unpacking an image and `pocker cp` use tar. So
/// the core defines the libarchive functions it calls as small forwarders
/// (src/image/libarchive.cpp) that look the real function up in a
/// dlopen()ed libarchive the first time they are called.
#pragma once

#include <string>

#include "pocker/error.hpp"

struct archive;

namespace pocker {

/// Loads libarchive now, or says why it cannot: call it before the first
/// libarchive function, and before entering a container's root (where the
/// host's library is out of reach). Cheap once loaded. A forwarder called
/// without it loads the library itself, and ends pocker with a one-line
/// error (exit 125) if that fails.
Result<void> load_libarchive();

/// The failure of libarchive's last call on `a`, after `what` (such as
/// `unpack bin/sh`): libarchive's message, with the system's reason when
/// archive_errno() holds one, e.g. `unpack bin/sh: Write failed: no space
/// left on device`. libarchive's own codes (a bad archive, a misuse) are no
/// system reason and are left out.
Error archive_failure(struct archive* a, const std::string& what);

}  // namespace pocker
