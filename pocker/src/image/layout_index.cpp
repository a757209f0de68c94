// The references of an OCI image layout: index.json entries that carry the
// org.opencontainers.image.ref.name annotation (pocker/layout.hpp).
//
// One entry per name, as skopeo and umoci write them. Entries without the
// annotation, and fields pocker does not know, are kept as they are: the
// layout is shared with other tools.
#include <errno.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

#include "layout_files.hpp"
#include "pocker/layout.hpp"
#include "pocker/reference.hpp"

namespace pocker {
namespace {

using nlohmann::json;

// index.json lists every image of the store, each entry a few hundred
// bytes: room for tens of thousands of them.
constexpr size_t kMaxIndexSize = 16 << 20;

std::string index_path(const std::string& dir) { return dir + "/index.json"; }

Result<json> read_index(const std::string& dir) {
  std::string path = index_path(dir);
  std::string text = TRY(read_small_file(path, kMaxIndexSize));
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return user_error("{}: not a JSON object", path);
  if (!j.contains("manifests")) j["manifests"] = json::array();
  if (!j["manifests"].is_array()) return user_error("{}: \"manifests\" is not an array", path);
  return j;
}

Result<void> write_index(const std::string& dir, const json& j) {
  return write_file_durable(index_path(dir), j.dump());
}

// The ref.name of an entry, or empty when it has none.
std::string ref_name_of(const json& entry) {
  if (!entry.is_object() || !entry.contains("annotations")) return "";
  const json& notes = entry["annotations"];
  if (!notes.is_object() || !notes.contains(kRefNameAnnotation)) return "";
  const json& name = notes[std::string(kRefNameAnnotation)];
  return name.is_string() ? name.get<std::string>() : "";
}

// An entry as a Descriptor, checked: a digest that could not be a file
// name, or a size that is no non-negative integer, is an error.
Result<Descriptor> descriptor_of(const json& entry, const std::string& dir) {
  Descriptor d;
  if (!entry.contains("mediaType") || !entry["mediaType"].is_string() ||
      !entry.contains("digest") || !entry["digest"].is_string() || !entry.contains("size") ||
      !(entry["size"].is_number_unsigned() || entry["size"].is_number_integer())) {
    return user_error("{}: an entry without mediaType, digest or integer size", index_path(dir));
  }
  d.media_type = entry["mediaType"].get<std::string>();
  d.digest = entry["digest"].get<std::string>();
  TRY_CTX(check_digest(d.digest), index_path(dir));
  if (entry["size"].is_number_unsigned() &&
      entry["size"].get<unsigned long long>() > (1ULL << 62)) {
    return user_error("{}: size of {} out of range", index_path(dir), d.digest);
  }
  d.size = entry["size"].get<long long>();
  if (d.size < 0) return user_error("{}: negative size of {}", index_path(dir), d.digest);
  return d;
}

// Alphanumerics, joined by one of -._:@+ or by --.
bool valid_ref_component(std::string_view part) {
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < part.size() && std::isalnum(static_cast<unsigned char>(part[i]))) ++i;
    if (i == start) return false;
    if (i == part.size()) return true;
    if (part.substr(i, 2) == "--") {
      i += 2;
    } else if (std::string_view("-._:@+").find(part[i]) != std::string_view::npos) {
      ++i;
    } else {
      return false;
    }
  }
}

}  // namespace

bool is_valid_ref_name(std::string_view name) {
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    if (!valid_ref_component(name.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Result<void> Layout::add_ref(std::string_view name, const Descriptor& target) const {
  return add_refs({LayoutRef{std::string(name), target}});
}

Result<void> Layout::add_refs(const std::vector<LayoutRef>& refs) const {
  for (const auto& ref : refs) {
    if (!is_valid_ref_name(ref.name)) {
      return user_error("invalid reference name \"{}\" for an OCI layout", ref.name);
    }
    TRY(check_digest(ref.target.digest));
    if (ref.target.media_type.empty() || ref.target.size < 0) {
      return user_error("reference {}: descriptor of {} needs a media type and a size", ref.name,
                        ref.target.digest);
    }
  }
  Fd lock = TRY(lock_layout(dir_));
  json index = TRY(read_index(dir_));
  json kept = json::array();
  for (auto& entry : index["manifests"]) {
    std::string name = ref_name_of(entry);
    bool replaced = false;
    for (const auto& ref : refs) replaced = replaced || ref.name == name;
    if (!replaced) kept.push_back(std::move(entry));
  }
  for (const auto& ref : refs) {
    kept.push_back({{"mediaType", ref.target.media_type},
                    {"digest", ref.target.digest},
                    {"size", ref.target.size},
                    {"annotations", {{kRefNameAnnotation, ref.name}}}});
  }
  index["manifests"] = std::move(kept);
  return write_index(dir_, index);
}

Result<void> Layout::remove_ref(std::string_view name) const {
  Fd lock = TRY(lock_layout(dir_));
  json index = TRY(read_index(dir_));
  json kept = json::array();
  size_t before = index["manifests"].size();
  for (auto& entry : index["manifests"]) {
    if (ref_name_of(entry) != name) kept.push_back(std::move(entry));
  }
  if (kept.size() == before) {
    return errno_error(ENOENT, "no reference \"{}\" in {}", name, dir_);
  }
  index["manifests"] = std::move(kept);
  return write_index(dir_, index);
}

Result<Descriptor> Layout::resolve(std::string_view name) const {
  // No lock: index.json is only ever replaced by rename, so a reader sees
  // one whole version of it.
  json index = TRY(read_index(dir_));
  const json* found = nullptr;
  for (const auto& entry : index["manifests"]) {
    if (ref_name_of(entry) != name) continue;
    // Two entries with one name could point at two images: which one
    // is meant cannot be known (CVE-2021-41190 is the same ambiguity in
    // manifests), so neither is taken.
    if (found) return user_error("reference \"{}\" is ambiguous in {}", name, index_path(dir_));
    found = &entry;
  }
  if (!found) return errno_error(ENOENT, "no reference \"{}\" in {}", name, dir_);
  return descriptor_of(*found, dir_);
}

Result<std::vector<LayoutRef>> Layout::refs() const {
  json index = TRY(read_index(dir_));
  std::vector<LayoutRef> out;
  for (const auto& entry : index["manifests"]) {
    std::string name = ref_name_of(entry);
    if (name.empty()) continue;
    out.push_back({name, TRY(descriptor_of(entry, dir_))});
  }
  return out;
}

}  // namespace pocker
