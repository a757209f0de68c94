// Platforms and image indexes (platform.hpp).
#include "platform.hpp"

#include <nlohmann/json.hpp>

#include "pocker/manifest.hpp"
#include "pocker/reference.hpp"
#include "pocker/registry.hpp"

namespace pocker {
namespace registry {
namespace {

using nlohmann::json;

constexpr size_t kMaxIndexEntries = 1024;

std::string field(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// The variant an architecture means when an index leaves it out.
std::string default_variant(std::string_view arch) {
  if (arch == "arm64") return "v8";
  if (arch == "arm") return "v7";
  return "";
}

}  // namespace

std::string Platform::text() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

Result<Platform> parse_platform(std::string_view text) {
  std::string t = text.empty() ? host_platform() : std::string(text);
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t slash = t.find('/', start);
    parts.push_back(t.substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  bool empty_part = false;
  for (const auto& p : parts) empty_part = empty_part || p.empty();
  if (parts.size() < 2 || parts.size() > 3 || empty_part) {
    return user_error("platform \"{}\": use os/arch[/variant], e.g. linux/amd64", text);
  }
  return Platform{parts[0], parts[1], parts.size() == 3 ? parts[2] : ""};
}

bool is_index_type(std::string_view media_type) {
  return media_type == kOciIndex || media_type == kDockerManifestList;
}

Result<Descriptor> choose_manifest(std::string_view text, std::string_view media_type,
                                   const Platform& want) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return user_error("index: not a JSON object");
  std::string own = field(j, "mediaType");
  if (!own.empty() && own != media_type) {
    return user_error("index: says it is {}, the registry says {}", own, media_type);
  }
  if (j.contains("layers") || j.contains("config")) {
    return user_error("index: also has \"layers\" or \"config\" (ambiguous)");
  }
  if (!j.contains("manifests") || !j["manifests"].is_array()) return user_error("index: no manifests");
  if (j["manifests"].size() > kMaxIndexEntries) return user_error("index: too many manifests");
  std::string wanted_variant = want.variant.empty() ? default_variant(want.architecture) : want.variant;
  std::vector<std::string> seen;
  for (const auto& m : j["manifests"]) {
    const json& p = m.is_object() && m.contains("platform") ? m["platform"] : json();
    Platform has{field(p, "os"), field(p, "architecture"), field(p, "variant")};
    if (has.os.empty() || has.os == "unknown") continue;  // attestations, not images
    seen.push_back(has.text());
    if (has.os != want.os || has.architecture != want.architecture) continue;
    std::string variant = has.variant.empty() ? default_variant(has.architecture) : has.variant;
    if (variant != wanted_variant) continue;
    Descriptor d;
    d.media_type = field(m, "mediaType");
    d.digest = field(m, "digest");
    TRY_CTX(check_digest(d.digest), "index entry");
    if (!m.contains("size") || !m["size"].is_number_integer() || m["size"].get<long long>() < 0) {
      return user_error("index entry {}: no valid size", d.digest);
    }
    d.size = m["size"].get<long long>();
    if (d.media_type != kOciManifest && d.media_type != kDockerManifest) {
      return user_error("index entry {}: unsupported type {}", d.digest, d.media_type);
    }
    return d;
  }
  std::string list;
  for (const auto& s : seen) list += (list.empty() ? "" : ", ") + s;
  return user_error("no image for platform {} (the index has: {})", want.text(),
                    list.empty() ? "none" : list);
}

}  // namespace registry

std::string host_platform() {
#if defined(__x86_64__)
  return "linux/amd64";
#elif defined(__aarch64__)
  return "linux/arm64/v8";
#elif defined(__arm__)
  return "linux/arm/v7";
#elif defined(__i386__)
  return "linux/386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "linux/ppc64le";
#elif defined(__s390x__)
  return "linux/s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "linux/riscv64";
#else
  return "linux/unknown";
#endif
}

}  // namespace pocker
