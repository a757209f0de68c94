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

#include "pocker/error.hpp"

namespace pocker {

/// Loads libarchive now, or says why it cannot: call it before the first
/// libarchive function, and before entering a container's root (where the
/// host's library is out of reach). Cheap once loaded. A forwarder called
/// without it loads the library itself, and ends pocker with a one-line
/// error (exit 125) if that fails.
Result<void> load_libarchive();

}  // namespace pocker
