// The image store (pocker/image.hpp): references resolved through the OCI
// layout, layers unpacked once per ChainID, and the embedded busybox tar
// (rootfs/, linked into the binary) imported as an ordinary image the
// first time a store needs it.
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "layout_files.hpp"
#include "store_lock.hpp"
#include "pocker/digest.hpp"
#include "pocker/fs.hpp"
#include "pocker/image.hpp"
#include "pocker/reference.hpp"
#include "pocker/spec.hpp"
#include "pocker/state.hpp"
#include "pocker/trace.hpp"
#include "pocker/unpack.hpp"

extern "C" {
extern const unsigned char pocker_busybox_tar_start[];
extern const unsigned char pocker_busybox_tar_end[];
extern const char pocker_busybox_digest[];
}

namespace pocker {
namespace {

using nlohmann::json;

constexpr std::string_view kBusyboxRef = "docker.io/library/busybox:latest";

// The layer is the tar itself, uncompressed: its digest is its diff_id,
// computed when the binary was built.
Result<void> import_busybox_locked(const StoreRoot& store) {
  Layout layout = TRY(Layout::open(store.oci_layout()));
  if (layout.resolve(kBusyboxRef)) return ok();  // another pocker imported it first
  trace("import the embedded busybox image as {}", kBusyboxRef);
  std::string_view tar(reinterpret_cast<const char*>(pocker_busybox_tar_start),
                       static_cast<size_t>(pocker_busybox_tar_end - pocker_busybox_tar_start));
  Descriptor layer = TRY(layout.put_blob(tar, kOciLayerTar));
  if (layer.digest != embedded_image_digest()) {
    return user_error("embedded busybox image: digest {} but {} was built in", layer.digest,
                      embedded_image_digest());
  }
  ImageDefaults defaults;
  defaults.env = {std::string("PATH=") + kDefaultPath};
  defaults.cmd = {"sh"};
  Descriptor manifest = TRY(write_one_layer_image(layout, layer, layer.digest, defaults));
  return layout.add_ref(kBusyboxRef, manifest);
}

Result<void> import_busybox(const StoreRoot& store) {
  Fd lock = TRY(lock_image_store(store));
  bool existed = has_layout(store);
  auto imported = import_busybox_locked(store);
  if (!imported) forget_new_layout(store, existed);
  return imported;
}

}  // namespace

std::string embedded_image_digest() { return pocker_busybox_digest; }

Result<Fd> lock_image_store(const StoreRoot& store) {
  TRY(make_dirs(store.images(), 0700));
  return lock_layout(store.images());
}

bool has_layout(const StoreRoot& store) {
  return ::access((store.oci_layout() + "/index.json").c_str(), F_OK) == 0;
}

void forget_new_layout(const StoreRoot& store, bool existed) {
  if (existed) return;
  auto layout = Layout::open(store.oci_layout());
  auto refs = layout ? layout.value().refs() : Result<std::vector<LayoutRef>>(std::move(layout).error());
  if (refs && refs.value().empty()) (void)remove_tree(store.oci_layout());
}

std::string default_store_root() {
  if (const char* env = ::getenv("POCKER_ROOT"); env && *env) return env;
  if (::geteuid() == 0) return "/var/lib/pocker";
  if (const char* data = ::getenv("XDG_DATA_HOME"); data && *data) {
    return std::string(data) + "/pocker";
  }
  const char* home = ::getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.local/share/pocker";
}

// Runs every time: so no digest is computed (see read_stored_blob()).
Result<StoredImage> read_stored_image(const Layout& layout, std::string name, const Descriptor& manifest) {
  StoredImage image;
  image.name = std::move(name);
  image.manifest = manifest;
  std::string text = TRY(layout.read_stored_blob(manifest));
  image.parsed = TRY_CTX(parse_manifest(text, manifest.media_type), image.name);
  std::string config = TRY(layout.read_stored_blob(image.parsed.config));
  image.config = TRY_CTX(parse_image_config(config), image.name);
  if (image.config.diff_ids.size() != image.parsed.layers.size()) {
    return user_error("image {}: {} layers but {} diff_ids in its config", image.name,
                      image.parsed.layers.size(), image.config.diff_ids.size());
  }
  if (image.parsed.layers.empty()) return user_error("image {} has no layers", image.name);
  return image;
}

Result<std::string> normalized_reference(std::string_view text) {
  return TRY(parse_reference(text)).normalized();
}

Result<StoredImage> find_image(const StoreRoot& store, std::string_view text,
                               bool import_embedded) {
  auto parsed = parse_reference(text);
  if (!parsed) return std::move(parsed).error();
  std::string name = parsed.value().normalized();
  // A store without a layout has no image yet: nothing is made for a
  // name that is not there anyway.
  bool layout_made = has_layout(store);
  bool importable = import_embedded && name == kBusyboxRef;
  if (!layout_made && !importable) return user_error("no such image: {}", text);
  if (layout_made) {
    Layout layout = TRY(Layout::open(store.oci_layout()));
    auto found = layout.resolve(name);
    if (found) return read_stored_image(layout, name, found.value());
    if (found.error().err() != ENOENT) return std::move(found).error();
    if (!importable) return user_error("no such image: {}", text);
  }
  TRY_CTX(import_busybox(store), "import busybox");
  Layout layout = TRY(Layout::open(store.oci_layout()));
  return read_stored_image(layout, name, TRY(layout.resolve(name)));
}

Result<std::vector<std::string>> image_layer_dirs(const StoreRoot& store,
                                                  const StoredImage& image) {
  std::vector<std::string> dirs;
  std::string chain;
  for (const auto& diff_id : image.config.diff_ids) {
    chain = TRY(chain_id(chain, diff_id));
    std::string dir = store.layers() + "/" + digest_hex(chain) + "/diff";
    if (::access(dir.c_str(), F_OK) != 0) {
      dirs.clear();
      break;
    }
    dirs.push_back(dir);
  }
  if (dirs.empty()) {
    // Some layer is missing: unpack_image() reads and checks the blobs
    // (and skips the layers that are there).
    Layout layout = TRY(Layout::open(store.oci_layout()));
    for (auto& layer : TRY(unpack_image(layout, store.layers(), image.manifest, UnpackOptions{}))) {
      dirs.push_back(std::move(layer.path));
    }
  }
  std::reverse(dirs.begin(), dirs.end());
  return dirs;
}

Result<Descriptor> write_one_layer_image(const Layout& layout, const Descriptor& layer,
                                         const std::string& diff_id,
                                         const ImageDefaults& defaults) {
  json run = json::object();
  if (!defaults.env.empty()) run["Env"] = defaults.env;
  if (!defaults.cmd.empty()) run["Cmd"] = defaults.cmd;
  if (!defaults.working_dir.empty()) run["WorkingDir"] = defaults.working_dir;
  for (const auto& path : defaults.volumes) run["Volumes"][path] = json::object();
  for (const auto& port : defaults.exposed_ports) run["ExposedPorts"][port] = json::object();
  std::string created = now_rfc3339();
  json config = {
      {"created", created},
      {"architecture", "amd64"},
      {"os", "linux"},
      {"config", run},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id}}}},
      {"history", {{{"created", created}, {"created_by", "pocker import"}}}},
  };
#if defined(__aarch64__)
  config["architecture"] = "arm64";
#endif
  Descriptor config_desc = TRY(layout.put_blob(config.dump(), kOciConfig));
  json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifest},
      {"config",
       {{"mediaType", config_desc.media_type},
        {"digest", config_desc.digest},
        {"size", config_desc.size}}},
      {"layers",
       {{{"mediaType", layer.media_type}, {"digest", layer.digest}, {"size", layer.size}}}},
  };
  return layout.put_blob(manifest.dump(), kOciManifest);
}

}  // namespace pocker
