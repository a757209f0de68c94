// The images of a store as a whole (pocker/image.hpp): list, tag, untag,
// and import a root file system tar as a one-layer image.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "store_lock.hpp"
#include "temp_dirs.hpp"
#include "pocker/fs.hpp"
#include "pocker/image.hpp"
#include "pocker/reference.hpp"
#include "pocker/trace.hpp"
#include "pocker/unpack.hpp"

namespace pocker {
namespace {

using nlohmann::json;

// What the first bytes say the tar is compressed with: the layer's media
// type must tell other tools (skopeo, umoci) how to read the blob.
Result<std::string_view> layer_type_of(int fd, const std::string& shown) {
  unsigned char magic[4] = {};
  ssize_t n = ::pread(fd, magic, sizeof magic, 0);
  if (n < 0) return sys_error("read {}", shown);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return kOciLayerGzip;
  if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
    return kOciLayerZstd;
  }
  return kOciLayerTar;
}

// Unpacks the tar into the layer store (checked by unpack_tar(): a tar
// that tries to write outside is refused and leaves nothing) and returns
// its diff_id and the blob's digest.
Result<UnpackStats> unpack_imported(const StoreRoot& store, int fd, const std::string& shown) {
  TRY(make_dirs(store.layers(), 0700));
  LockedTempDir locked = TRY(make_locked_temp_dir(store.layers() + "/.unpack-"));
  const std::string& temp = locked.path;
  auto stats = unpack_tar(fd, temp + "/diff", LayerDigests{}, UnpackOptions{});
  if (!stats) {
    (void)remove_tree(temp);
    return std::move(stats).error().wrap("import " + shown);
  }
  // A one-layer image: its ChainID is its diff_id.
  std::string final_dir = store.layers() + "/" + digest_hex(stats.value().diff_id);
  if (::rename(temp.c_str(), final_dir.c_str()) < 0) {
    int err = errno;
    (void)remove_tree(temp);
    // The same tree imported before (or by another pocker just now).
    if (::access((final_dir + "/diff").c_str(), F_OK) != 0) {
      return errno_error(err, "rename {} to {}", temp, final_dir);
    }
  }
  return stats;
}

}  // namespace

Result<std::vector<StoredImage>> list_images(const StoreRoot& store) {
  std::vector<StoredImage> images;
  if (::access((store.oci_layout() + "/index.json").c_str(), F_OK) != 0) return images;
  Layout layout = TRY(Layout::open(store.oci_layout()));
  for (const auto& ref : TRY(layout.refs())) {
    auto image = read_stored_image(layout, ref.name, ref.target);
    // Another tool's entry (an index, say) is not pocker's to show or break.
    if (image) images.push_back(std::move(image.value()));
  }
  return images;
}

Result<std::string> tag_image(const StoreRoot& store, std::string_view source,
                              std::string_view target) {
  std::string name = TRY(normalized_reference(target));
  StoredImage image = TRY(find_image(store, source));
  Layout layout = TRY(Layout::open(store.oci_layout()));
  TRY(layout.add_ref(name, image.manifest));
  return name;
}

Result<void> untag_image(const StoreRoot& store, const std::string& name) {
  Layout layout = TRY(Layout::open(store.oci_layout()));
  return layout.remove_ref(name);
}

namespace {

// import_image() with the store's import lock held.
Result<StoredImage> import_locked(const StoreRoot& store, int fd, const std::string& tar_path,
                                  long long size, std::string_view type, const std::string& name,
                                  const ImageDefaults& defaults) {
  Layout layout = TRY(Layout::open(store.oci_layout()));
  UnpackStats stats = TRY(unpack_imported(store, fd, tar_path));
  if (::lseek(fd, 0, SEEK_SET) < 0) return sys_error("seek {}", tar_path);
  // The same bytes again, now into the layout: put_blob_from() refuses
  // them if the file changed since it was unpacked.
  Descriptor layer = TRY(layout.put_blob_from(
      fd, Descriptor{std::string(type), stats.digest, size}));
  Descriptor manifest = TRY(write_one_layer_image(layout, layer, stats.diff_id, defaults));
  TRY(layout.add_ref(name, manifest));
  trace("imported {} as {} ({})", tar_path, name, manifest.digest);
  return read_stored_image(layout, name, manifest);
}

}  // namespace

Result<void> apply_change(std::string_view text, ImageDefaults& defaults) {
  std::string line(text);
  size_t space = line.find_first_of(" \t");
  std::string word = line.substr(0, space);
  for (auto& c : word) c = static_cast<char>(::toupper(static_cast<unsigned char>(c)));
  size_t value = line.find_first_not_of(" \t", space);
  std::string rest = value == std::string::npos ? "" : line.substr(value);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.pop_back();
  if (rest.empty()) return user_error("--change \"{}\": no value", text);
  if (word == "CMD") {
    if (rest[0] == '[') {
      json j = json::parse(rest, nullptr, false);
      if (!j.is_array() || j.empty()) return user_error("--change \"{}\": not a JSON array of strings", text);
      defaults.cmd.clear();
      for (const auto& item : j) {
        if (!item.is_string()) return user_error("--change \"{}\": not a JSON array of strings", text);
        defaults.cmd.push_back(item.get<std::string>());
      }
    } else {
      defaults.cmd = {"/bin/sh", "-c", rest};  // the shell form, as in a Dockerfile
    }
  } else if (word == "ENV") {
    // `ENV K=V` or, the old form, `ENV K V`.
    size_t eq = rest.find('='), gap = rest.find_first_of(" \t");
    std::string entry = rest;
    if (eq == std::string::npos || (gap != std::string::npos && gap < eq)) {
      size_t after = gap == std::string::npos ? gap : rest.find_first_not_of(" \t", gap);
      entry = after == std::string::npos ? "" : rest.substr(0, gap) + "=" + rest.substr(after);
    }
    if (entry.empty() || entry[0] == '=') return user_error("--change \"{}\": use ENV KEY=VALUE", text);
    std::string key = entry.substr(0, entry.find('=') + 1);
    std::erase_if(defaults.env, [&](const std::string& e) { return e.rfind(key, 0) == 0; });
    defaults.env.push_back(entry);
  } else if (word == "WORKDIR") {
    if (rest[0] != '/') return user_error("--change \"{}\": WORKDIR must be absolute", text);
    defaults.working_dir = rest;
  } else if (word == "VOLUME") {
    std::vector<std::string> paths;
    if (rest[0] == '[') {
      json j = json::parse(rest, nullptr, false);
      if (!j.is_array()) return user_error("--change \"{}\": not a JSON array of strings", text);
      for (const auto& item : j) {
        if (!item.is_string()) return user_error("--change \"{}\": not a JSON array of strings", text);
        paths.push_back(item.get<std::string>());
      }
    } else {
      paths.push_back(rest);
    }
    for (const auto& path : paths) {
      if (path.empty() || path[0] != '/' || path.find("..") != std::string::npos) {
        return user_error("--change \"{}\": VOLUME {} must be an absolute path without ..", text, path);
      }
      defaults.volumes.push_back(path);
    }
  } else if (word == "EXPOSE") {
    // `EXPOSE 80 53/udp`: each word PORT[/PROTO], checked as an image
    // config's key is (a bare port is tcp).
    size_t at = 0;
    while (at < rest.size()) {
      size_t end = rest.find_first_of(" \t", at);
      std::string port = rest.substr(at, end == std::string::npos ? std::string::npos : end - at);
      std::string key = TRY_CTX(exposed_port_key(port), fmt::format("--change \"{}\"", text));
      if (std::find(defaults.exposed_ports.begin(), defaults.exposed_ports.end(), key) ==
          defaults.exposed_ports.end()) {
        defaults.exposed_ports.push_back(key);
      }
      at = end == std::string::npos ? rest.size() : rest.find_first_not_of(" \t", end);
      if (at == std::string::npos) break;
    }
  } else {
    return user_error("--change \"{}\": only CMD, ENV, WORKDIR, VOLUME and EXPOSE are supported", text);
  }
  return ok();
}

Result<StoredImage> import_image(const StoreRoot& store, const std::string& tar_path,
                                 std::string_view reference, const ImageDefaults& defaults) {
  // Checked first: a bad name must leave nothing in the store.
  std::string name = TRY(normalized_reference(reference));
  Fd fd(::open(tar_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("import {}", tar_path);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return sys_error("stat {}", tar_path);
  if (!S_ISREG(st.st_mode)) return user_error("import {}: not a regular file", tar_path);
  std::string_view type = TRY(layer_type_of(fd.get(), tar_path));
  Fd lock = TRY(lock_image_store(store));
  bool existed = has_layout(store);
  auto image = import_locked(store, fd.get(), tar_path, static_cast<long long>(st.st_size), type,
                             name, defaults);
  if (!image) forget_new_layout(store, existed);
  return image;
}

}  // namespace pocker
