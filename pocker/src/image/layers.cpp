// The layer store (pocker/unpack.hpp): unpacked layers kept once per
// ChainID under <root>/images/layers, so images that share their lower
// layers share the trees too.
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "layout_files.hpp"
#include "temp_dirs.hpp"
#include "pocker/digest.hpp"
#include "pocker/fs.hpp"
#include "pocker/reference.hpp"
#include "pocker/trace.hpp"
#include "pocker/unpack.hpp"

namespace pocker {

Result<UnpackedLayer> unpack_layer(const std::string& layers_dir, std::string_view parent_chain,
                                   int fd, const LayerDigests& expect,
                                   const UnpackOptions& options) {
  if (expect.diff_id.empty()) return user_error("unpack layer: no diff_id to check it against");
  UnpackedLayer layer;
  layer.chain_id = TRY(chain_id(parent_chain, expect.diff_id));
  std::string final_dir = layers_dir + "/" + digest_hex(layer.chain_id);
  layer.path = final_dir + "/diff";
  if (::access(layer.path.c_str(), F_OK) == 0) {
    layer.existed = true;
    return layer;
  }
  // 0700: layers hold the images' setuid programs and device nodes, which
  // no other host user should reach through the store.
  TRY(make_dirs(layers_dir, 0700));
  // Locked while it fills: a cleaner (image prune, a load) tells it from
  // the leftover of a killed pocker by the lock.
  LockedTempDir locked = TRY(make_locked_temp_dir(layers_dir + "/.unpack-"));
  const std::string& temp = locked.path;
  auto stats = unpack_tar(fd, temp + "/diff", expect, options);
  if (stats) {
    trace("unpacked layer {}: {} entries, {} bytes", layer.chain_id, stats.value().entries,
          stats.value().tar_bytes);
  }
  if (stats && ::rename(temp.c_str(), final_dir.c_str()) == 0) return layer;
  int err = errno;
  (void)remove_tree(temp);
  if (!stats) return std::move(stats).error().wrap("unpack layer " + expect.diff_id);
  // Another pocker unpacked the same layer first: its copy is as good.
  if (::access(layer.path.c_str(), F_OK) == 0) {
    layer.existed = true;
    return layer;
  }
  return errno_error(err, "rename {} to {}", temp, final_dir);
}

Result<int> prune_unpack_leftovers(const std::string& layers_dir) {
  return remove_stale_temp_dirs(layers_dir, ".unpack-");
}

}  // namespace pocker
