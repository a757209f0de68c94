// Internal to the image module: the lock that orders the commands that
// add images to a store (the busybox import, `import`), and the undoing of
// a layout that such a command made and then failed to fill.
#pragma once

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/image.hpp"

namespace pocker {

/// Waits for the store's import lock (flock on `<root>/images`, made if
/// missing); held until the descriptor is closed. Not the layout's own
/// lock: add_ref() takes that one, and would wait for us.
Result<Fd> lock_image_store(const StoreRoot& store);

/// True when the store has a layout (its index.json).
bool has_layout(const StoreRoot& store);

/// After a failed import, with the import lock held: when the command made
/// the layout itself (`existed` false) and it names no image, removes it,
/// so that a failed first command leaves no file in the store.
void forget_new_layout(const StoreRoot& store, bool existed);

/// collect_image_garbage() for a caller that holds the store's lock.
Result<GcReport> collect_garbage_locked(const StoreRoot& store);

}  // namespace pocker
