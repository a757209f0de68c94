// Internal to the image module: the checks and the overlayfs forms of one
// tar entry, for src/image/unpack.cpp. Every path here is relative to the
// layer's root and has been through clean_entry_name().
#pragma once

#include <string>
#include <string_view>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"

struct archive_entry;

namespace pocker {

/// A tar entry's name made relative and plain: `./a//b/` is `a/b`, the
/// root (`.`, `./`) is empty. Absolute names and `..` anywhere are errors
/// that name `raw`; `what` says which name it is (`path`, `hardlink`).
Result<std::string> clean_entry_name(const char* raw, std::string_view what);

/// Opens directory `rel` under `root` one component at a time, following
/// no symlink (O_NOFOLLOW on each), and making missing components when
/// `create`. A symlink or file on the way is an error naming `rel`.
Result<Fd> open_dir_beneath(int root, std::string_view rel, bool create);

/// overlayfs's whiteout of `parent/victim`: a 0/0 character device.
Result<void> make_whiteout(int root, const std::string& parent, std::string_view victim);

/// overlayfs's opaque directory: the `overlay.opaque=y` xattr on `dir`,
/// `user.` rootless (read with the `userxattr` mount option), `trusted.`
/// as root.
Result<void> make_opaque(int root, const std::string& dir, bool rootless);

/// Checks that a hardlink's target is a file already in this layer,
/// reached without a symlink: a link can only share what the layer holds.
Result<void> check_hardlink_target(int root, const std::string& target);

/// Removes the overlayfs xattrs (`trusted.overlay.*`, `user.overlay.*`)
/// an entry carries: only the unpacker decides what is a whiteout or
/// opaque. Returns how many were dropped.
int drop_overlay_xattrs(struct archive_entry* entry);

}  // namespace pocker
