// Garbage collection of the image store (pocker/image.hpp): the blobs and
// unpacked layers that nothing reaches any more, after `rmi`, `image prune`
// or a failed load.
//
// What is kept: everything reachable from an entry of index.json (named or
// not: the layout is shared with other tools), and from the manifest of
// every container of the store, running or not (a container made from an
// image removed with `rmi -f` keeps its layers). Reachable means: an
// index's manifests, a manifest's config and layers, and the layers'
// ChainIDs from the config's diff_ids. The layer blobs the build cache
// names (<images>/build-cache, pocker build) are kept too, as docker's
// image prune keeps its build cache: a build running meanwhile finds the
// layers of its finished steps there.
//
// It runs under the store's lock, which load, import and the busybox
// import hold while they add blobs that no reference names yet.
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <set>

#include "layout_files.hpp"
#include "store_lock.hpp"
#include "temp_dirs.hpp"
#include "pocker/digest.hpp"
#include "pocker/fs.hpp"
#include "pocker/reference.hpp"
#include "pocker/state.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

using nlohmann::json;

// What the walk found reachable.
struct Reachable {
  std::set<std::string> blobs;   // digests
  std::set<std::string> chains;  // hex of ChainIDs
};

bool is_index_type(std::string_view type) {
  return type == kOciIndex || type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

bool is_manifest_type(std::string_view type) {
  return type == kOciManifest ||
         type == "application/vnd.docker.distribution.manifest.v2+json";
}

// Marks `d` and what it reaches. A document pocker cannot read keeps what
// it names as far as it could be read: better a blob too many than a
// broken image of another tool's.
void mark(const Layout& layout, const Descriptor& d, Reachable& r, int depth = 0) {
  if (!check_digest(d.digest) || !r.blobs.insert(d.digest).second || depth > 4) return;
  if (is_index_type(d.media_type)) {
    auto text = layout.read_stored_blob(d);
    if (!text) return;
    json j = json::parse(text.value(), nullptr, false);
    if (!j.is_object() || !j.contains("manifests") || !j["manifests"].is_array()) return;
    for (const auto& m : j["manifests"]) {
      if (!m.is_object() || !m.contains("digest") || !m["digest"].is_string()) continue;
      Descriptor child{m.value("mediaType", ""), m["digest"].get<std::string>(),
                       m.contains("size") && m["size"].is_number_integer() ? m["size"].get<long long>() : 0};
      mark(layout, child, r, depth + 1);
    }
    return;
  }
  if (!is_manifest_type(d.media_type)) return;
  auto text = layout.read_stored_blob(d);
  if (!text) return;
  auto manifest = parse_manifest(text.value(), d.media_type);
  if (!manifest) return;
  r.blobs.insert(manifest.value().config.digest);
  for (const auto& layer : manifest.value().layers) r.blobs.insert(layer.digest);
  auto config_text = layout.read_stored_blob(manifest.value().config);
  if (!config_text) return;
  auto config = parse_image_config(config_text.value());
  if (!config) return;
  std::string chain;
  for (const auto& diff_id : config.value().diff_ids) {
    auto next = chain_id(chain, diff_id);
    if (!next) return;
    chain = next.value();
    r.chains.insert(digest_hex(chain));
  }
}

unsigned long long tree_bytes = 0;
int add_file_size(const char*, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_F) tree_bytes += static_cast<unsigned long long>(st->st_size);
  return 0;
}

// The bytes of the files under `dir` (one pocker runs one GC at a time:
// the store's lock).
unsigned long long bytes_under(const std::string& dir) {
  tree_bytes = 0;
  ::nftw(dir.c_str(), add_file_size, 32, FTW_PHYS);
  return tree_bytes;
}

bool is_hex64(const std::string& name) {
  return name.size() == 64 &&
         name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

Result<std::set<std::string>> manifests_in_use(const StoreRoot& store) {
  std::set<std::string> used;
  StateStore containers(store.root);
  for (const auto& id : containers.list()) {
    auto spec = containers.load_spec(id);
    if (spec && !spec.value().image_digest.empty()) used.insert(spec.value().image_digest);
  }
  return used;
}

Result<GcReport> collect_garbage_locked(const StoreRoot& store) {
  GcReport report;
  TRY(remove_stale_temp_dirs(store.images() + "/tmp", "load-"));
  TRY(remove_stale_temp_dirs(store.layers(), ".unpack-"));
  TRY(remove_stale_temp_dirs(store.layers(), ".gc-"));
  if (!has_layout(store)) return report;
  Layout layout = TRY(Layout::open(store.oci_layout()));
  Reachable reachable;
  // Every entry of index.json, pocker's or not.
  std::string index_text = TRY(read_small_file(layout.dir() + "/index.json", 16 << 20));
  json index = json::parse(index_text, nullptr, false);
  if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) {
    return user_error("{}/index.json: unreadable, nothing collected", layout.dir());
  }
  for (const auto& e : index["manifests"]) {
    if (!e.is_object() || !e.contains("digest") || !e["digest"].is_string()) continue;
    Descriptor d{e.value("mediaType", ""), e["digest"].get<std::string>(),
                 e.contains("size") && e["size"].is_number_integer() ? e["size"].get<long long>() : 0};
    mark(layout, d, reachable);
  }
  // Every container's image, whether or not a reference still names it.
  for (const auto& digest : TRY(manifests_in_use(store))) {
    if (!check_digest(digest) || !layout.has_blob(digest)) continue;
    struct stat st;
    std::string path = TRY(layout.blob_path(digest));
    if (::stat(path.c_str(), &st) < 0) continue;
    // The media type is not kept with the container: a manifest is what
    // its `mediaType` says, and pocker only runs manifests.
    std::string type(kOciManifest);
    if (auto text = layout.read_stored_blob(Descriptor{type, digest, st.st_size})) {
      json j = json::parse(text.value(), nullptr, false);
      if (j.is_object() && j.contains("mediaType") && j["mediaType"].is_string()) {
        type = j["mediaType"].get<std::string>();
      }
    }
    mark(layout, Descriptor{type, digest, st.st_size}, reachable);
  }
  // The build cache's layers (one small JSON file per cached step).
  std::string cache = store.images() + "/build-cache";
  if (::access(cache.c_str(), F_OK) == 0) {
    for (const auto& name : TRY(list_names(cache))) {
      auto text = read_small_file(cache + "/" + name, 1 << 16);
      if (!text) continue;
      json j = json::parse(text.value(), nullptr, false);
      if (j.is_object() && j.contains("layer") && j["layer"].is_object() &&
          j["layer"].contains("digest") && j["layer"]["digest"].is_string()) {
        reachable.blobs.insert(j["layer"]["digest"].get<std::string>());
      }
    }
  }
  std::string blobs_dir = layout.dir() + "/blobs/sha256";
  for (const auto& name : TRY(list_names(blobs_dir))) {
    if (!is_hex64(name) || reachable.blobs.count("sha256:" + name)) continue;
    std::string path = blobs_dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) < 0 || !S_ISREG(st.st_mode)) continue;
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) return sys_error("remove {}", path);
    trace("gc: removed blob sha256:{} ({} bytes)", name, st.st_size);
    report.blobs.push_back("sha256:" + name);
    report.bytes += static_cast<unsigned long long>(st.st_size);
  }
  TRY(sync_dir(blobs_dir));
  if (::access(store.layers().c_str(), F_OK) == 0) {
    for (const auto& name : TRY(list_names(store.layers()))) {
      if (!is_hex64(name) || reachable.chains.count(name)) continue;
      // Renamed first: a layer under its ChainID is taken as whole by the
      // next run, so a GC killed halfway must not leave half of one there.
      LockedTempDir grave = TRY(make_locked_temp_dir(store.layers() + "/.gc-"));
      std::string from = store.layers() + "/" + name;
      unsigned long long bytes = bytes_under(from);
      if (::rename(from.c_str(), (grave.path + "/" + name).c_str()) < 0) {
        return sys_error("rename {} to {}", from, grave.path);
      }
      TRY(remove_tree(grave.path));
      trace("gc: removed layer sha256:{} ({} bytes)", name, bytes);
      ++report.layers;
      report.bytes += bytes;
    }
  }
  return report;
}

Result<GcReport> collect_image_garbage(const StoreRoot& store) {
  Fd lock = TRY(lock_image_store(store));
  return collect_garbage_locked(store);
}

}  // namespace pocker
