// Image manifests and configs (pocker/manifest.hpp). Strict on purpose:
// a document that could be read two ways is refused, not guessed at.
#include "pocker/manifest.hpp"

#include <algorithm>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "pocker/digest.hpp"
#include "pocker/reference.hpp"

namespace pocker {
namespace {

using nlohmann::json;

// overlayfs stacks at most about 500 lower layers, docker 125; an image
// with more is a mistake or an attack on the mount options' length.
constexpr size_t kMaxLayers = 256;

bool is_layer_type(std::string_view type) {
  return type == kOciLayerTar || type == kOciLayerGzip || type == kOciLayerZstd ||
         type == kDockerLayerGzip;
}

std::string string_field(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

Result<Descriptor> descriptor_from(const json& j, std::string_view what) {
  if (!j.is_object()) return user_error("{}: not an object", what);
  Descriptor d;
  d.media_type = string_field(j, "mediaType");
  d.digest = string_field(j, "digest");
  if (d.media_type.empty()) return user_error("{}: no mediaType", what);
  TRY_CTX(check_digest(d.digest), std::string(what));
  const json* size = j.contains("size") ? &j["size"] : nullptr;
  if (!size || !(size->is_number_unsigned() || size->is_number_integer()) ||
      (size->is_number_integer() && size->get<long long>() < 0) ||
      (size->is_number_unsigned() && size->get<unsigned long long>() > (1ULL << 62))) {
    return user_error("{} {}: size is not a non-negative integer", what, d.digest);
  }
  d.size = size->get<long long>();
  return d;
}

// An optional array of strings: absent or null is empty, anything else
// but strings is refused.
Result<std::vector<std::string>> strings_field(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || j[key].is_null()) return out;
  if (!j[key].is_array()) return user_error("image config: {} is not an array", key);
  for (const auto& item : j[key]) {
    if (!item.is_string()) return user_error("image config: {} holds a non-string", key);
    out.push_back(item.get<std::string>());
  }
  return out;
}

// ExposedPorts: an object whose keys are `PORT[/PROTO]` and whose values
// are empty objects (image-spec config.md). Kept as `PORT/PROTO`.
Result<std::vector<std::string>> exposed_ports_field(const json& j) {
  std::vector<std::string> out;
  if (!j.contains("ExposedPorts") || j["ExposedPorts"].is_null()) return out;
  if (!j["ExposedPorts"].is_object()) return user_error("image config: ExposedPorts is not an object");
  for (const auto& [key, value] : j["ExposedPorts"].items()) {
    out.push_back(TRY_CTX(exposed_port_key(key), "image config: ExposedPorts"));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The `config` object: what a run starts by default. Checked here, once,
// so a run never meets a half-valid default.
Result<void> read_run_defaults(const json& j, ImageConfig& c) {
  if (!j.contains("config") || j["config"].is_null()) return ok();
  const json& run = j["config"];
  if (!run.is_object()) return user_error("image config: config is not an object");
  c.env = TRY(strings_field(run, "Env"));
  for (const auto& entry : c.env) {
    size_t eq = entry.find('=');
    if (eq == 0 || eq == std::string::npos) {
      return user_error("image config: Env entry \"{}\" is not KEY=VALUE", entry);
    }
  }
  c.entrypoint = TRY(strings_field(run, "Entrypoint"));
  c.cmd = TRY(strings_field(run, "Cmd"));
  c.working_dir = string_field(run, "WorkingDir");
  if (!c.working_dir.empty() && c.working_dir[0] != '/') {
    return user_error("image config: WorkingDir {} is not absolute", c.working_dir);
  }
  c.user = string_field(run, "User");
  if (run.contains("Volumes") && !run["Volumes"].is_null()) {
    if (!run["Volumes"].is_object()) return user_error("image config: Volumes is not an object");
    for (const auto& [path, ignored] : run["Volumes"].items()) {
      // A volume is mounted at this path inside the root: never a relative
      // or `..` path that could point elsewhere.
      if (path.empty() || path[0] != '/' || path.find("/../") != std::string::npos ||
          path.ends_with("/..")) {
        return user_error("image config: volume {} is not an absolute path", path);
      }
      c.volumes.push_back(path);
    }
  }
  c.exposed_ports = TRY(exposed_ports_field(run));
  return ok();
}

// `history`: informative only, so entries of the wrong shape are skipped.
void read_history(const json& j, ImageConfig& c) {
  if (!j.contains("history") || !j["history"].is_array()) return;
  for (const auto& item : j["history"]) {
    if (!item.is_object()) continue;
    HistoryEntry entry;
    entry.created = string_field(item, "created");
    entry.created_by = string_field(item, "created_by");
    entry.comment = string_field(item, "comment");
    entry.empty_layer = item.contains("empty_layer") && item["empty_layer"].is_boolean() &&
                        item["empty_layer"].get<bool>();
    c.history.push_back(std::move(entry));
  }
}

}  // namespace

Result<std::string> exposed_port_key(std::string_view text) {
  std::string_view port = text, proto = "tcp";
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    port = text.substr(0, slash);
    proto = text.substr(slash + 1);
  }
  bool digits = !port.empty() && port.size() <= 5 && port[0] != '0' &&
                port.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits || std::stoul(std::string(port)) > 65535 || (proto != "tcp" && proto != "udp" && proto != "sctp")) {
    return user_error("\"{}\" is not PORT[/tcp|udp|sctp]", text);
  }
  return fmt::format("{}/{}", port, proto);
}

Result<Manifest> parse_manifest(std::string_view text, std::string_view media_type) {
  if (media_type != kOciManifest && media_type != kDockerManifest) {
    return user_error("unsupported manifest type {}", media_type);
  }
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return user_error("manifest: not a JSON object");
  if (!j.contains("schemaVersion") || j["schemaVersion"] != 2) {
    return user_error("manifest: schemaVersion is not 2");
  }
  std::string own = string_field(j, "mediaType");
  if (!own.empty() && own != media_type) {
    return user_error("manifest: says it is {}, its descriptor says {}", own, media_type);
  }
  if (j.contains("manifests")) return user_error("manifest: also has \"manifests\" (ambiguous)");
  if (!j.contains("config") || !j.contains("layers") || !j["layers"].is_array()) {
    return user_error("manifest: no config or no layers");
  }
  Manifest m;
  m.config = TRY(descriptor_from(j["config"], "manifest config"));
  if (m.config.media_type != kOciConfig && m.config.media_type != kDockerConfig) {
    return user_error("manifest: config of unsupported type {}", m.config.media_type);
  }
  if (j["layers"].size() > kMaxLayers) {
    return user_error("manifest: {} layers, more than the {} allowed", j["layers"].size(),
                      kMaxLayers);
  }
  for (const auto& layer : j["layers"]) {
    Descriptor d = TRY(descriptor_from(layer, "manifest layer"));
    if (layer.contains("urls")) {
      return user_error("manifest layer {}: a foreign layer (urls): not fetched", d.digest);
    }
    if (!is_layer_type(d.media_type)) {
      return user_error("manifest layer {}: unsupported type {}", d.digest, d.media_type);
    }
    m.layers.push_back(std::move(d));
  }
  return m;
}

Result<ImageConfig> parse_image_config(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return user_error("image config: not a JSON object");
  ImageConfig c;
  c.os = string_field(j, "os");
  c.architecture = string_field(j, "architecture");
  c.created = string_field(j, "created");
  if (!j.contains("rootfs") || !j["rootfs"].is_object() || !j["rootfs"].contains("diff_ids") ||
      !j["rootfs"]["diff_ids"].is_array() || string_field(j["rootfs"], "type") != "layers") {
    return user_error("image config: no rootfs of type layers with diff_ids");
  }
  for (const auto& id : j["rootfs"]["diff_ids"]) {
    std::string diff_id = id.is_string() ? id.get<std::string>() : "";
    TRY_CTX(check_digest(diff_id), "image config diff_id");
    c.diff_ids.push_back(std::move(diff_id));
  }
  TRY(read_run_defaults(j, c));
  read_history(j, c);
  return c;
}

Result<std::vector<UnpackedLayer>> unpack_image(const Layout& layout, const std::string& layers_dir,
                                                const Descriptor& manifest,
                                                const UnpackOptions& options) {
  std::string text = TRY(layout.read_blob(manifest));
  Manifest m = TRY_CTX(parse_manifest(text, manifest.media_type), manifest.digest);
  std::string config_text = TRY(layout.read_blob(m.config));
  ImageConfig config = TRY_CTX(parse_image_config(config_text), m.config.digest);
  if (config.diff_ids.size() != m.layers.size()) {
    return user_error("image {}: {} layers but {} diff_ids in its config", manifest.digest,
                      m.layers.size(), config.diff_ids.size());
  }
  std::vector<UnpackedLayer> layers;
  std::string chain;
  for (size_t i = 0; i < m.layers.size(); ++i) {
    // A layer already unpacked under its ChainID is not opened at all.
    Fd blob;
    std::string next = TRY(chain_id(chain, config.diff_ids[i]));
    if (::access((layers_dir + "/" + digest_hex(next) + "/diff").c_str(), F_OK) != 0) {
      blob = TRY(layout.open_blob(m.layers[i].digest));
    }
    LayerDigests expect{m.layers[i].digest, config.diff_ids[i]};
    layers.push_back(TRY(unpack_layer(layers_dir, chain, blob.get(), expect, options)));
    chain = layers.back().chain_id;
  }
  return layers;
}

}  // namespace pocker
