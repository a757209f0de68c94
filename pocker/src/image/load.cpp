// `load` (pocker/image_archive.hpp): an OCI or docker archive into the
// store, in three steps:
//
//   1. stage: every file of the tar becomes a blob of a private layout in
//      <root>/images/tmp/load-XXXXXX (locked while this pocker lives),
//      checked against its name when it is named by its digest;
//   2. read: the images the archive holds, from index.json or docker's
//      manifest.json (an old docker archive gets an OCI manifest made for
//      it), each checked: documents by digest and size, every layer blob
//      present with the size its descriptor says;
//   3. commit, under the store's lock: layers unpacked (diff_ids checked),
//      blobs moved into the store, references added in one index change.
//
// Nothing reaches the store before step 3, and step 3 adds names last: a
// load that fails or is killed leaves at most complete blobs and layers
// that no reference names, which collect_image_garbage() removes.
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "layout_files.hpp"
#include "store_lock.hpp"
#include "temp_dirs.hpp"
#include "pocker/fs.hpp"
#include "pocker/image_archive.hpp"
#include "pocker/libarchive.hpp"
#include "pocker/reference.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

using nlohmann::json;
using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

// index.json and manifest.json list every image of the archive.
constexpr size_t kMaxListSize = 16 << 20;
// Names of the archive's top-level documents, read into memory.
const std::set<std::string> kDocuments = {"oci-layout", "index.json", "manifest.json",
                                          "repositories"};

// What the archive held, staged.
struct Staged {
  std::map<std::string, Descriptor> files;   // archive path -> its blob (digest, size)
  std::map<std::string, std::string> links;  // archive path -> the path it points at
  std::map<std::string, std::string> docs;   // kDocuments, by name
};

// An archive path as a plain relative name: `./a//b/` is `a/b`. Absolute
// names and `..` are refused: nothing here becomes a path on disk, but an
// archive that has them is not one pocker wrote or docker would.
Result<std::string> clean_path(std::string_view raw, std::string_view base = {}) {
  std::vector<std::string> parts;
  if (!base.empty()) {
    auto cleaned = clean_path(base);
    if (!cleaned) return std::move(cleaned).error();
    std::string dir = cleaned.value();
    size_t start = 0;
    while (start < dir.size()) {
      size_t slash = dir.find('/', start);
      if (slash == std::string::npos) slash = dir.size();
      parts.push_back(dir.substr(start, slash - start));
      start = slash + 1;
    }
  }
  if (!raw.empty() && raw[0] == '/') return user_error("archive entry {} is absolute", raw);
  size_t start = 0;
  std::string text(raw);
  while (start <= text.size()) {
    size_t slash = text.find('/', start);
    if (slash == std::string::npos) slash = text.size();
    std::string part = text.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return user_error("archive entry {} leads out of the archive", raw);
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "/") + part;
  return out;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// `blobs/sha256/<hex>` names its own digest; anything else does not.
[[maybe_unused]] std::string digest_named_by(const std::string& path) {
  constexpr std::string_view prefix = "blobs/sha256/";
  if (path.rfind(prefix, 0) != 0) return "";
  std::string digest = "sha256:" + path.substr(prefix.size());
  return check_digest(digest) ? digest : "";
}

// Step 1: every entry of the tar, into `staging`.
Result<Staged> stage(const Layout& staging, int in_fd, const std::string& shown) {
  TRY(load_libarchive());
  ArchivePtr tar(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(tar.get());
  // `docker save | gzip` is common, and docker load reads it.
  archive_read_support_filter_gzip(tar.get());
  archive_read_support_filter_zstd(tar.get());
  if (archive_read_open_fd(tar.get(), in_fd, 1 << 20) != ARCHIVE_OK) {
    return archive_failure(tar.get(), "load " + shown);
  }
  Staged staged;
  archive_entry* entry = nullptr;
  int rc;
  while ((rc = archive_read_next_header(tar.get(), &entry)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    std::string path = TRY_CTX(clean_path(archive_entry_pathname(entry)), "load " + shown);
    __LA_MODE_T type = archive_entry_filetype(entry);
    if (type == AE_IFDIR || path.empty()) continue;
    if (type == AE_IFLNK) {
      // Old docker archives link a layer that appears twice to its first copy.
      const char* target = archive_entry_symlink(entry);
      staged.links[path] = TRY_CTX(clean_path(target ? target : "", dir_of(path)), "load " + shown);
      continue;
    }
    if (archive_entry_hardlink(entry)) {
      std::string target = TRY_CTX(clean_path(archive_entry_hardlink(entry)), "load " + shown);
      staged.links[path] = target;
      continue;
    }
    if (type != AE_IFREG) {
      return user_error("load {}: archive entry {} is neither a file, a directory nor a link",
                        shown, path);
    }
    bool document = kDocuments.count(path) > 0;
    BlobWriter blob = TRY(staging.begin_blob());
    std::string text;
    long long written = 0;
    const void* block;
    size_t len;
    la_int64_t offset;
    while ((rc = archive_read_data_block(tar.get(), &block, &len, &offset)) == ARCHIVE_OK) {
      // A sparse entry has holes: no file pocker or docker writes.
      if (offset != written) return user_error("load {}: {} is a sparse file", shown, path);
      written += static_cast<long long>(len);
      if (document) {
        if (written > static_cast<long long>(kMaxListSize)) {
          return user_error("load {}: {} is larger than {} bytes", shown, path, kMaxListSize);
        }
        text.append(static_cast<const char*>(block), len);
      } else {
        TRY_CTX(blob.write(block, len), "load " + shown);
      }
    }
    if (rc != ARCHIVE_EOF) return archive_failure(tar.get(), "load " + shown + ": read " + path);
    if (document) {
      staged.docs[path] = std::move(text);
      continue;
    }
    // The check of step 1. A blob is later found by the digest in its
    // name, so that name must be its digest: else an archive could put
    // any bytes under a layer's name.
    std::string expect;
    // handout(images.load-digests) begin: a blob named blobs/sha256/HEX must have the digest sha256:HEX
    expect = digest_named_by(path);
    // handout(images.load-digests) end
    auto committed = blob.commit(expect);
    if (!committed) return std::move(committed).error().wrap("load " + shown + ": " + path);
    staged.files[path] = Descriptor{"", committed.value(), written};
  }
  if (rc != ARCHIVE_EOF) return archive_failure(tar.get(), "load " + shown);
  return staged;
}

// The blob a path of the archive holds, following links.
Result<Descriptor> file_at(const Staged& staged, std::string path, const std::string& shown) {
  for (int hops = 0; hops < 16; ++hops) {
    if (auto file = staged.files.find(path); file != staged.files.end()) return file->second;
    auto link = staged.links.find(path);
    if (link == staged.links.end()) break;
    path = link->second;
  }
  return user_error("load {}: the archive has no file {}", shown, path);
}

// An image found in the archive, and the names it is loaded under.
struct Found {
  Descriptor manifest;
  std::string config_digest;
  std::vector<std::string> names;  // normalised
};

// The media type a layer's first bytes say: old docker archives give none.
Result<std::string> layer_type(const Layout& staging, const std::string& digest) {
  Fd fd = TRY(staging.open_blob(digest));
  unsigned char magic[4] = {};
  ssize_t n = ::pread(fd.get(), magic, sizeof magic, 0);
  if (n < 0) return sys_error("read blob {}", digest);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return std::string(kOciLayerGzip);
  if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
    return std::string(kOciLayerZstd);
  }
  return std::string(kOciLayerTar);
}

std::string this_architecture() {
#if defined(__aarch64__)
  return "arm64";
#else
  return "amd64";
#endif
}

// An index.json entry, down to one manifest: an image index (several
// platforms) gives the one for this machine.
Result<Descriptor> manifest_of(const Layout& staging, const Descriptor& entry, int depth = 0) {
  if (entry.media_type == kOciManifest || entry.media_type == kDockerManifest) return entry;
  constexpr std::string_view kDockerList =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  if ((entry.media_type != kOciIndex && entry.media_type != kDockerList) || depth > 2) {
    return user_error("index entry {}: unsupported type {}", entry.digest, entry.media_type);
  }
  std::string text = TRY(staging.read_blob(entry));
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("manifests") || !j["manifests"].is_array()) {
    return user_error("image index {}: no manifests", entry.digest);
  }
  for (const auto& m : j["manifests"]) {
    if (!m.is_object() || !m.contains("platform") || !m["platform"].is_object()) continue;
    const json& p = m["platform"];
    if (p.value("os", "") != "linux" || p.value("architecture", "") != this_architecture()) continue;
    if (!m.contains("digest") || !m["digest"].is_string() || !m.contains("size") ||
        !m["size"].is_number_integer() || !m.contains("mediaType") || !m["mediaType"].is_string()) {
      return user_error("image index {}: a malformed entry", entry.digest);
    }
    Descriptor d{m["mediaType"].get<std::string>(), m["digest"].get<std::string>(),
                 m["size"].get<long long>()};
    TRY(check_digest(d.digest));
    return manifest_of(staging, d, depth + 1);
  }
  return user_error("image index {}: no image for linux/{}", entry.digest, this_architecture());
}

// The images of an OCI layout (index.json), with the names its entries carry.
Result<std::vector<Found>> read_oci_index(const Layout& staging, const Staged& staged,
                                          const std::string& shown) {
  std::vector<Found> found;
  json index = json::parse(staged.docs.at("index.json"), nullptr, false);
  if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) {
    return user_error("load {}: index.json has no manifests", shown);
  }
  for (const auto& e : index["manifests"]) {
    if (!e.is_object() || !e.contains("digest") || !e["digest"].is_string() ||
        !e.contains("mediaType") || !e["mediaType"].is_string() || !e.contains("size") ||
        !e["size"].is_number_integer() || e["size"].get<long long>() < 0) {
      return user_error("load {}: index.json has a malformed entry", shown);
    }
    Descriptor entry{e["mediaType"].get<std::string>(), e["digest"].get<std::string>(),
                     e["size"].get<long long>()};
    TRY_CTX(check_digest(entry.digest), "load " + shown + ": index.json");
    Descriptor manifest = TRY_CTX(manifest_of(staging, entry), "load " + shown);
    Found image{manifest, "", {}};
    // The full name: containerd's annotation (docker 25 puts only the tag
    // in ref.name), else ref.name, which skopeo, umoci and pocker fill.
    std::string name;
    if (e.contains("annotations") && e["annotations"].is_object()) {
      const json& notes = e["annotations"];
      name = notes.value("io.containerd.image.name", "");
      if (name.empty()) name = notes.value(std::string(kRefNameAnnotation), "");
    }
    if (!name.empty()) {
      image.names.push_back(TRY_CTX(normalized_reference(name), "load " + shown));
    }
    bool merged = false;
    for (auto& other : found) {
      if (other.manifest.digest == image.manifest.digest) {
        other.names.insert(other.names.end(), image.names.begin(), image.names.end());
        merged = true;
      }
    }
    if (!merged) found.push_back(std::move(image));
  }
  return found;
}

// docker's manifest.json: names for the images of index.json, and for an
// old archive (no index.json) the images themselves, with an OCI manifest
// made for each.
Result<void> read_docker_manifest(const Layout& staging, const Staged& staged,
                                  const std::string& shown, std::vector<Found>& found) {
  json list = json::parse(staged.docs.at("manifest.json"), nullptr, false);
  if (!list.is_array()) return user_error("load {}: manifest.json is not an array", shown);
  for (const auto& e : list) {
    if (!e.is_object() || !e.contains("Config") || !e["Config"].is_string() ||
        !e.contains("Layers") || !e["Layers"].is_array()) {
      return user_error("load {}: manifest.json has an entry without Config or Layers", shown);
    }
    std::string config_path = TRY(clean_path(e["Config"].get<std::string>()));
    Descriptor config = TRY(file_at(staged, config_path, shown));
    config.media_type = kOciConfig;
    std::vector<std::string> names;
    if (e.contains("RepoTags") && e["RepoTags"].is_array()) {
      for (const auto& tag : e["RepoTags"]) {
        if (!tag.is_string()) return user_error("load {}: a RepoTags entry is no string", shown);
        names.push_back(TRY_CTX(normalized_reference(tag.get<std::string>()), "load " + shown));
      }
    }
    bool merged = false;
    for (auto& image : found) {
      if (image.config_digest == config.digest) {
        image.names.insert(image.names.end(), names.begin(), names.end());
        merged = true;
      }
    }
    if (merged) continue;
    json layers = json::array();
    for (const auto& path : e["Layers"]) {
      if (!path.is_string()) return user_error("load {}: a Layers entry is no string", shown);
      std::string layer_path = TRY(clean_path(path.get<std::string>()));
      Descriptor layer = TRY(file_at(staged, layer_path, shown));
      std::string type = TRY(layer_type(staging, layer.digest));
      layers.push_back({{"mediaType", type},
                        {"digest", layer.digest},
                        {"size", layer.size}});
    }
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", kOciManifest},
                     {"config",
                      {{"mediaType", config.media_type},
                       {"digest", config.digest},
                       {"size", config.size}}},
                     {"layers", layers}};
    Descriptor written = TRY(staging.put_blob(manifest.dump(), kOciManifest));
    found.push_back(Found{written, config.digest, names});
  }
  return ok();
}

// Step 2: the images, each checked before anything reaches the store.
Result<std::vector<Found>> read_images(const Layout& staging, const Staged& staged,
                                       const std::string& shown) {
  bool oci = staged.docs.count("index.json") > 0;
  bool docker = staged.docs.count("manifest.json") > 0;
  if (!oci && !docker) {
    return user_error("load {}: neither index.json nor manifest.json: not an image archive", shown);
  }
  std::vector<Found> found;
  if (oci) found = TRY(read_oci_index(staging, staged, shown));
  for (auto& image : found) {
    std::string text = TRY(staging.read_blob(image.manifest));
    image.config_digest = TRY(parse_manifest(text, image.manifest.media_type)).config.digest;
  }
  if (docker) TRY(read_docker_manifest(staging, staged, shown, found));
  if (found.empty()) return user_error("load {}: the archive holds no image", shown);
  for (auto& image : found) {
    // Every document by digest and size; every layer present, with its size.
    std::string text = TRY_CTX(staging.read_blob(image.manifest), "load " + shown);
    Manifest m = TRY_CTX(parse_manifest(text, image.manifest.media_type), "load " + shown);
    std::string config = TRY_CTX(staging.read_blob(m.config), "load " + shown);
    ImageConfig c = TRY_CTX(parse_image_config(config), "load " + shown);
    if (c.diff_ids.size() != m.layers.size() || m.layers.empty()) {
      return user_error("load {}: image {} has {} layers and {} diff_ids", shown,
                        m.config.digest, m.layers.size(), c.diff_ids.size());
    }
    for (const auto& layer : m.layers) {
      std::string path = TRY(staging.blob_path(layer.digest));
      struct stat st;
      if (::stat(path.c_str(), &st) < 0) {
        return user_error("load {}: layer {} is not in the archive", shown, layer.digest);
      }
      if (st.st_size != layer.size) {
        return user_error("load {}: layer {} has {} bytes, its manifest says {}", shown,
                          layer.digest, st.st_size, layer.size);
      }
    }
    std::sort(image.names.begin(), image.names.end());
    image.names.erase(std::unique(image.names.begin(), image.names.end()), image.names.end());
    if (image.names.empty()) {
      return user_error("load {}: image {} has no name (pocker keeps no unnamed images)", shown,
                        m.config.digest);
    }
  }
  return found;
}

// Moves blob `digest` from the staging layout into the store's; one the
// store has already stays as it is (a blob's name is its content).
Result<void> move_blob(const Layout& staging, const Layout& target, const std::string& digest) {
  std::string from = TRY(staging.blob_path(digest));
  std::string to = TRY(target.blob_path(digest));
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) < 0 &&
      errno != EEXIST) {
    return sys_error("rename {} to {}", from, to);
  }
  return ok();
}

// Step 3, under the store's lock. Layers first (the step that can fail
// for want of space), then the blobs, which only change their name, then
// every reference in one write of index.json.
Result<std::vector<std::string>> commit(const StoreRoot& store, const Layout& staging,
                                        const std::vector<Found>& found) {
  Layout target = TRY(Layout::open(store.oci_layout()));
  std::vector<std::string> blobs;
  std::vector<LayoutRef> refs;
  for (const auto& image : found) {
    // Unpacking checks each layer's digest and diff_id, and makes the
    // first run of the image as fast as any other.
    TRY(unpack_image(staging, store.layers(), image.manifest, UnpackOptions{}));
    std::string text = TRY(staging.read_stored_blob(image.manifest));
    Manifest m = TRY(parse_manifest(text, image.manifest.media_type));
    blobs.push_back(image.manifest.digest);
    blobs.push_back(m.config.digest);
    for (const auto& layer : m.layers) blobs.push_back(layer.digest);
    for (const auto& name : image.names) refs.push_back(LayoutRef{name, image.manifest});
  }
  for (const auto& digest : blobs) TRY(move_blob(staging, target, digest));
  TRY(sync_dir(target.dir() + "/blobs/sha256"));
  TRY(target.add_refs(refs));
  std::vector<std::string> names;
  for (const auto& ref : refs) names.push_back(ref.name);
  return names;
}

// Removes the staging directory however the load ends.
struct StagingGuard {
  LockedTempDir dir;
  ~StagingGuard() {
    if (!dir.path.empty()) (void)remove_tree(dir.path);
  }
};

}  // namespace

Result<std::vector<std::string>> load_images(const StoreRoot& store, int in_fd,
                                             const std::string& shown) {
  std::string tmp = store.images() + "/tmp";
  TRY(make_dirs(tmp, 0700));
  // What killed loads left: their locks died with them.
  TRY(remove_stale_temp_dirs(tmp, "load-"));
  StagingGuard guard{TRY(make_locked_temp_dir(tmp + "/load-"))};
  Layout staging = TRY(Layout::open(guard.dir.path + "/oci"));
  Staged staged = TRY(stage(staging, in_fd, shown));
  std::vector<Found> found = TRY(read_images(staging, staged, shown));
  Fd lock = TRY(lock_image_store(store));
  bool existed = has_layout(store);
  auto names = commit(store, staging, found);
  if (!names) {
    // What the commit got into the store before it failed is named by no
    // reference: garbage, collected now, under the lock still held.
    forget_new_layout(store, existed);
    (void)collect_garbage_locked(store);
  }
  return names;
}

}  // namespace pocker
