// `save` (pocker/image_archive.hpp): images of the store as one tar, an OCI
// layout with, in the docker format, docker's manifest.json beside it.
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "pocker/image_archive.hpp"
#include "pocker/libarchive.hpp"
#include "pocker/reference.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

using nlohmann::json;
using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;
using EntryPtr = std::unique_ptr<archive_entry, void (*)(archive_entry*)>;

constexpr size_t kCopyBuffer = 1 << 20;

// One tar writer; every entry gets the same owner, mode and time, so that
// saving the same images twice gives the same bytes.
class TarOut {
 public:
  TarOut(int fd, std::string shown) : tar_(archive_write_new(), archive_write_free), shown_(std::move(shown)) {
    fd_ = fd;
  }

  Result<void> open() {
    archive_write_set_format_pax_restricted(tar_.get());
    if (archive_write_open_fd(tar_.get(), fd_) != ARCHIVE_OK) {
      return archive_failure(tar_.get(), "save " + shown_);
    }
    return ok();
  }

  Result<void> dir(const std::string& name) {
    EntryPtr e = entry(name, AE_IFDIR, 0755, 0);
    if (archive_write_header(tar_.get(), e.get()) < ARCHIVE_WARN) return failure(name);
    return ok();
  }

  Result<void> file(const std::string& name, std::string_view data) {
    EntryPtr e = entry(name, AE_IFREG, 0644, static_cast<long long>(data.size()));
    if (archive_write_header(tar_.get(), e.get()) < ARCHIVE_WARN) return failure(name);
    if (!data.empty() && archive_write_data(tar_.get(), data.data(), data.size()) < 0) {
      return failure(name);
    }
    return ok();
  }

  // A blob, streamed from the store; its size must be what the
  // descriptor says (a tar header carries the size before the data).
  Result<void> blob(const Layout& layout, const Descriptor& d) {
    std::string name = "blobs/sha256/" + digest_hex(d.digest);
    Fd fd = TRY(layout.open_blob(d.digest));
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return sys_error("stat blob {}", d.digest);
    if (st.st_size != d.size) {
      return user_error("blob {}: {} bytes in the store, {} in its descriptor", d.digest,
                        st.st_size, d.size);
    }
    EntryPtr e = entry(name, AE_IFREG, 0644, d.size);
    if (archive_write_header(tar_.get(), e.get()) < ARCHIVE_WARN) return failure(name);
    std::vector<char> buf(kCopyBuffer);
    long long left = d.size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error("read blob {}", d.digest);
      if (n == 0) return user_error("blob {}: shorter than its {} bytes", d.digest, d.size);
      size_t take = static_cast<size_t>(std::min<long long>(n, left));
      if (archive_write_data(tar_.get(), buf.data(), take) < 0) return failure(name);
      left -= static_cast<long long>(take);
    }
    return ok();
  }

  Result<void> close() {
    if (archive_write_close(tar_.get()) < ARCHIVE_WARN) return failure("end of archive");
    return ok();
  }

 private:
  static EntryPtr entry(const std::string& name, unsigned type, int mode, long long size) {
    EntryPtr e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), static_cast<__LA_MODE_T>(mode));
    archive_entry_set_size(e.get(), size);
    archive_entry_set_mtime(e.get(), 0, 0);
    return e;
  }
  Error failure(const std::string& name) {
    return archive_failure(tar_.get(), "save " + shown_ + ": write " + name);
  }

  ArchivePtr tar_;
  int fd_ = -1;
  std::string shown_;
};

// docker's form of a name, with its tag: `busybox:latest`.
std::string familiar_tag(const std::string& name) {
  auto ref = parse_reference(name);
  return ref ? ref.value().familiar() : name;
}

}  // namespace

Result<ArchiveFormat> parse_archive_format(std::string_view text) {
  if (text == "docker") return ArchiveFormat::kDocker;
  if (text == "oci") return ArchiveFormat::kOci;
  return user_error("--format {}: use docker or oci", text);
}

Result<void> save_images(const StoreRoot& store, const std::vector<std::string>& images,
                         ArchiveFormat format, int out_fd, const std::string& shown) {
  if (images.empty()) return user_error("save: no image given");
  std::vector<StoredImage> found;
  std::set<std::string> names;
  for (const auto& text : images) {
    StoredImage image = TRY(find_image(store, text));
    if (names.insert(image.name).second) found.push_back(std::move(image));
  }
  TRY(load_libarchive());
  Layout layout = TRY(Layout::open(store.oci_layout()));
  TarOut tar(out_fd, shown);
  TRY(tar.open());
  TRY(tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  TRY(tar.dir("blobs/"));
  TRY(tar.dir("blobs/sha256/"));
  std::set<std::string> written;
  json index_entries = json::array();
  json docker_manifest = json::array();
  for (const auto& image : found) {
    std::vector<Descriptor> blobs = {image.manifest, image.parsed.config};
    blobs.insert(blobs.end(), image.parsed.layers.begin(), image.parsed.layers.end());
    for (const auto& blob : blobs) {
      if (!written.insert(blob.digest).second) continue;
      trace("save {}: blob {} ({} bytes)", shown, blob.digest, blob.size);
      TRY(tar.blob(layout, blob));
    }
    // Both annotations: ref.name is what skopeo and umoci look up, the
    // containerd one what docker 25 reads the full name from.
    index_entries.push_back({{"mediaType", image.manifest.media_type},
                             {"digest", image.manifest.digest},
                             {"size", image.manifest.size},
                             {"annotations",
                              {{"io.containerd.image.name", image.name},
                               {kRefNameAnnotation, image.name}}}});
    // docker's manifest.json: one entry per image, with all its names.
    bool merged = false;
    std::string config_path = "blobs/sha256/" + digest_hex(image.parsed.config.digest);
    for (auto& entry : docker_manifest) {
      if (entry["Config"] == config_path) {
        entry["RepoTags"].push_back(familiar_tag(image.name));
        merged = true;
      }
    }
    if (!merged) {
      json layers = json::array();
      for (const auto& layer : image.parsed.layers) {
        layers.push_back("blobs/sha256/" + digest_hex(layer.digest));
      }
      docker_manifest.push_back(
          {{"Config", config_path}, {"RepoTags", {familiar_tag(image.name)}}, {"Layers", layers}});
    }
  }
  json index = {{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", index_entries}};
  TRY(tar.file("index.json", index.dump()));
  if (format == ArchiveFormat::kDocker) TRY(tar.file("manifest.json", docker_manifest.dump()));
  return tar.close();
}

}  // namespace pocker
