// `pull` (pocker/registry.hpp): a manifest (by way of an index when the
// image has several platforms), its config, and its layers, each checked
// against its digest while it streams in, the layers downloaded a few at
// a time and unpacked bottom first as soon as each is whole.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "../image/store_lock.hpp"
#include "blob_fetch.hpp"
#include "client.hpp"
#include "platform.hpp"
#include "progress.hpp"
#include "pocker/digest.hpp"
#include "pocker/fs.hpp"
#include "pocker/reference.hpp"
#include "pocker/registry.hpp"
#include "pocker/trace.hpp"
#include "pocker/unpack.hpp"

namespace pocker {
namespace registry {
namespace {

// What this pull added to the store, so that a failed pull can take it
// out again: the store is left as it was found.
struct Added {
  std::mutex mu;
  std::vector<std::string> blobs;       // digests of blobs this pull wrote
  std::vector<std::string> layer_dirs;  // layer directories it unpacked

  void blob(const std::string& digest) {
    std::lock_guard<std::mutex> lock(mu);
    blobs.push_back(digest);
  }
  void undo(const StoreRoot& store, const Layout& layout) {
    for (const auto& dir : layer_dirs) (void)remove_tree(dir);
    for (const auto& digest : blobs) {
      if (auto path = layout.blob_path(digest); path) ::unlink(path.value().c_str());
    }
    (void)store;
  }
};

// Stores a document held in memory (a manifest, a config) unless the
// store has it; it was checked against `d` already.
Result<void> keep_document(const Layout& layout, const Descriptor& d, const std::string& text,
                           Added& added) {
  if (layout.has_blob(d.digest)) return ok();
  BlobWriter writer = TRY(layout.begin_blob());
  TRY(writer.write(text));
  TRY(writer.commit(d.digest, d.size));
  added.blob(d.digest);
  return ok();
}

// The download of the layers, shared by the worker threads and the thread
// that unpacks.
struct Downloads {
  Client& client;
  const std::string& repo;
  const Layout& layout;
  Progress& progress;
  Added& added;
  std::vector<Descriptor> layers;
  std::vector<size_t> rows;

  std::mutex mu;
  std::condition_variable changed;
  std::vector<int> done;  // 0 pending, 1 whole, 2 failed
  std::vector<std::optional<Error>> errors;
  std::atomic<size_t> next{0};
  std::atomic<bool> cancel{false};

  void work() {
    auto session = HttpSession::open();
    while (true) {
      size_t i = next++;
      if (i >= layers.size()) return;
      Result<void> got = session ? fetch(session.value(), i)
                                 : Result<void>(Error(session.error()));
      std::lock_guard<std::mutex> lock(mu);
      done[i] = got ? 1 : 2;
      if (!got) errors[i] = std::move(got).error();
      changed.notify_all();
    }
  }

  Result<void> fetch(HttpSession& session, size_t i) {
    const Descriptor& d = layers[i];
    if (cancel) return user_error("cancelled");
    if (layout.has_blob(d.digest)) {
      progress.set(rows[i], "Already exists");
      return ok();
    }
    progress.set(rows[i], "Downloading");
    auto on_bytes = [&](long long got) { progress.bytes(rows[i], "Downloading", got, d.size); };
    BlobWriter writer = TRY(fetch_blob(client, session, repo, d, layout, on_bytes, cancel));
    progress.set(rows[i], "Verifying Checksum");
    // handout(registry.verify) begin: name the blob only when its bytes hash to the manifest's digest
    TRY(writer.commit(d.digest, d.size));
    // handout(registry.verify) stub:
    // TRY(writer.commit());
    // handout(registry.verify) end
    added.blob(d.digest);
    progress.set(rows[i], "Download complete");
    return ok();
  }
};

// The layers, downloaded by `parallel` threads and unpacked here in order.
Result<void> pull_layers(const StoreRoot& store, Downloads& dl, const ImageConfig& config,
                         int parallel) {
  size_t n = dl.layers.size();
  dl.done.assign(n, 0);
  dl.errors.resize(n);
  std::vector<std::thread> workers;
  size_t count = std::min<size_t>(n, static_cast<size_t>(std::max(parallel, 1)));
  for (size_t t = 0; t < count; ++t) workers.emplace_back([&dl] { dl.work(); });
  Result<void> result;
  std::string chain;
  for (size_t i = 0; i < n && result; ++i) {
    {
      std::unique_lock<std::mutex> lock(dl.mu);
      dl.changed.wait(lock, [&] { return dl.done[i] != 0; });
      if (dl.done[i] == 2) {
        result = Error(*dl.errors[i]).wrap("layer " + dl.layers[i].digest);
        break;
      }
    }
    auto unpacked = [&]() -> Result<UnpackedLayer> {
      Fd fd = TRY(dl.layout.open_blob(dl.layers[i].digest));
      dl.progress.set(dl.rows[i], "Extracting");
      return unpack_layer(store.layers(), chain,
                          fd.get(), LayerDigests{dl.layers[i].digest, config.diff_ids[i]},
                          UnpackOptions{});
    }();
    if (!unpacked) {
      result = std::move(unpacked).error();
      break;
    }
    if (!unpacked.value().existed) {
      std::string dir = unpacked.value().path;
      dl.added.layer_dirs.push_back(dir.substr(0, dir.rfind('/')));
    }
    chain = unpacked.value().chain_id;
    dl.progress.set(dl.rows[i], "Pull complete");
  }
  if (!result) dl.cancel = true;
  for (auto& w : workers) w.join();
  return result;
}

Result<StoredImage> pull_locked(const StoreRoot& store, const Reference& ref,
                                const PullOptions& options, Progress& progress, Added& added,
                                std::string& top_digest) {
  Platform want = TRY(parse_platform(options.platform));
  HttpSession session = TRY(HttpSession::open());
  auto credentials = TRY(find_credentials(ref.registry));
  auto client = TRY(connect(ref.registry, options.registry.tls_verify,
                            {"repository:" + ref.repo + ":pull"}, session, credentials));
  std::string tag_or_digest = ref.digest.empty() ? ref.tag : ref.digest;
  progress.line(fmt::format("{}: Pulling from {}", tag_or_digest, ref.repo));
  Document top = TRY(fetch_manifest(*client, session, ref.repo, tag_or_digest));
  top_digest = top.descriptor.digest;
  Document chosen = std::move(top);
  if (is_index_type(chosen.descriptor.media_type)) {
    Descriptor d = TRY(choose_manifest(chosen.text, chosen.descriptor.media_type, want));
    trace("platform {}: manifest {}", want.text(), d.digest);
    chosen = TRY(fetch_manifest(*client, session, ref.repo, d.digest));
    if (chosen.descriptor.media_type != d.media_type || chosen.descriptor.size != d.size) {
      return user_error("manifest {}: the registry sent {} bytes of {}, the index says {} of {}",
                        d.digest, chosen.descriptor.size, chosen.descriptor.media_type, d.size,
                        d.media_type);
    }
  }
  Manifest manifest = TRY(parse_manifest(chosen.text, chosen.descriptor.media_type));
  Layout layout = TRY(Layout::open(store.oci_layout()));

  // The config: small, so held in memory, and checked before any layer.
  std::string config_text;
  if (layout.has_blob(manifest.config.digest)) {
    config_text = TRY(layout.read_blob(manifest.config));
  } else {
    config_text = TRY(fetch_document_blob(*client, session, ref.repo, manifest.config));
  }
  ImageConfig config = TRY_CTX(parse_image_config(config_text), "image config");
  if (config.diff_ids.size() != manifest.layers.size()) {
    return user_error("image: {} layers but {} diff_ids in its config", manifest.layers.size(),
                      config.diff_ids.size());
  }
  if (!config.os.empty() && (config.os != want.os || config.architecture != want.architecture)) {
    if (!options.platform.empty()) {
      return user_error("the image is for {}/{}, not {}", config.os, config.architecture,
                        want.text());
    }
    progress.line(fmt::format("WARNING: the image is for {}/{}, this machine is {}", config.os,
                              config.architecture, want.text()));
  }
  TRY(keep_document(layout, manifest.config, config_text, added));

  Downloads dl{*client, ref.repo, layout, progress, added, manifest.layers, {}};
  for (const auto& layer : manifest.layers) {
    dl.rows.push_back(progress.add(digest_hex(layer.digest).substr(0, 12), "Pulling fs layer"));
  }
  auto layers = pull_layers(store, dl, config, options.registry.parallel);
  progress.finish();
  TRY(std::move(layers));

  // The manifest last, then the name: a reader that finds the name finds
  // everything it names.
  TRY(keep_document(layout, chosen.descriptor, chosen.text, added));
  std::string name = ref.normalized();
  auto before = layout.resolve(name);
  bool same = before && before.value().digest == chosen.descriptor.digest;
  TRY(layout.add_ref(name, chosen.descriptor));
  progress.line("Digest: " + top_digest);
  progress.line(fmt::format("Status: {} for {}",
                            same ? "Image is up to date" : "Downloaded newer image",
                            ref.familiar()));
  return read_stored_image(layout, name, chosen.descriptor);
}

}  // namespace
}  // namespace registry

Result<StoredImage> pull_image(const StoreRoot& store, std::string_view text,
                               const PullOptions& options) {
  using namespace registry;
  Reference ref = TRY(parse_reference(text));
  Progress progress(options.registry.progress, options.registry.progress_fd);
  std::string_view last = text.substr(text.rfind('/') + 1);  // npos + 1 is 0
  if (ref.digest.empty() && last.find(':') == std::string_view::npos) {
    progress.line("Using default tag: latest");
  }
  // One pull at a time per store: a second pull of the same image waits,
  // then finds every blob there. The lock also lets a failed pull undo
  // what it added without taking anything another command just wrote.
  Fd lock = TRY(lock_image_store(store));
  bool existed = has_layout(store);
  Added added;
  std::string top_digest;
  auto image = pull_locked(store, ref, options, progress, added, top_digest);
  if (!image) {
    progress.finish();
    if (auto layout = Layout::open(store.oci_layout()); layout) added.undo(store, layout.value());
    forget_new_layout(store, existed);
    return std::move(image).error().wrap("pull " + ref.familiar());
  }
  return image;
}

Result<StoredImage> find_or_pull_image(const StoreRoot& store, std::string_view reference,
                                       const PullOptions& options) {
  auto found = find_image(store, reference);
  if (found || found.error().err() != 0 ||
      found.error().what().rfind("no such image", 0) != 0) {
    return found;
  }
  std::string familiar = TRY(parse_reference(reference)).familiar();
  std::string line = fmt::format("Unable to find image '{}' locally\n", familiar);
  if (options.registry.progress != ProgressMode::kQuiet) {
    (void)write_all(options.registry.progress_fd, line.data(), line.size());
  }
  return pull_image(store, reference, options);
}

}  // namespace pocker
