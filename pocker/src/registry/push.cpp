// `push` (pocker/registry.hpp): every blob the registry lacks, then the
// manifest. A blob the registry has (HEAD answers 200) is not sent; one
// that another repository of the registry has is mounted from there
// (`POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<other>`); the rest
// is sent whole: POST opens an upload, PUT <location>?digest= sends it.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "client.hpp"
#include "progress.hpp"
#include "pocker/reference.hpp"
#include "pocker/registry.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace registry {
namespace {

// `Location` may be absolute or relative to the registry (the spec allows
// both), and may carry a query of its own.
std::string upload_url(const Client& client, const std::string& location, const std::string& digest) {
  std::string url = location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0
                        ? location
                        : client.url(location);
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "digest=" + digest;
}

struct BlobPush {
  Client& client;
  const std::string& repo;
  const std::string& mount_from;  // a repository of the registry with this image, or ""
  const Layout& layout;
  Progress& progress;
};

Result<void> push_blob(BlobPush& p, HttpSession& session, const Descriptor& d, size_t row) {
  std::string blob_url = p.client.url("/v2/" + p.repo + "/blobs/" + d.digest);
  Request head;
  head.method = "HEAD";
  head.url = blob_url;
  Response exists = TRY(p.client.send(session, head));
  if (exists.status == 200) {
    p.progress.set(row, "Layer already exists");
    return ok();
  }
  Request open;
  open.method = "POST";
  open.url = p.client.url("/v2/" + p.repo + "/blobs/uploads/");
  if (!p.mount_from.empty()) open.url += "?mount=" + d.digest + "&from=" + p.mount_from;
  Response started = TRY(p.client.send(session, open));
  if (started.status == 201) {
    p.progress.set(row, "Mounted from " + p.mount_from);
    return ok();
  }
  if (started.status != 202) return user_error("blob {}: POST upload: {}", d.digest, failure_text(started));
  std::string location = started.header("location");
  if (location.empty()) return user_error("blob {}: the registry gave no upload Location", d.digest);
  Fd fd = TRY(p.layout.open_blob(d.digest));
  p.progress.set(row, "Pushing");
  Request put;
  put.method = "PUT";
  put.url = upload_url(p.client, location, d.digest);
  put.headers.push_back("Content-Type: application/octet-stream");
  put.body_fd = fd.get();
  put.body_size = d.size;
  // Not retried: an upload session is spent by its PUT, and a failed one
  // is best started again from the POST (a re-run of push does that).
  Response done = TRY(p.client.send_once(session, put));
  if (done.status != 201) return user_error("blob {}: PUT upload: {}", d.digest, failure_text(done));
  p.progress.set(row, "Pushed");
  return ok();
}

}  // namespace
}  // namespace registry

Result<std::string> push_image(const StoreRoot& store, std::string_view text,
                               const RegistryOptions& options) {
  using namespace registry;
  Reference ref = TRY(parse_reference(text));
  StoredImage image = TRY(find_image(store, text, false));
  Layout layout = TRY(Layout::open(store.oci_layout()));
  std::string manifest_text = TRY(layout.read_blob(image.manifest));
  // Another name of this image in another repository of the same
  // registry: its blobs are there already, and can be mounted.
  std::string mount_from;
  for (const auto& other : TRY(list_images(store))) {
    if (other.manifest.digest != image.manifest.digest) continue;
    auto r = parse_reference(other.name);
    if (r && r.value().registry == ref.registry && r.value().repo != ref.repo) {
      mount_from = r.value().repo;
      break;
    }
  }
  std::vector<std::string> scopes = {"repository:" + ref.repo + ":pull,push"};
  if (!mount_from.empty()) scopes.push_back("repository:" + mount_from + ":pull");
  Progress progress(options.progress, options.progress_fd);
  progress.line(fmt::format("The push refers to repository [{}]", ref.name()));
  HttpSession session = TRY(HttpSession::open());
  auto credentials = TRY(find_credentials(ref.registry));
  auto client = TRY(connect(ref.registry, options.tls_verify, scopes, session, credentials));

  // Layers top first as docker lists them, then the config.
  std::vector<Descriptor> blobs(image.parsed.layers.rbegin(), image.parsed.layers.rend());
  blobs.push_back(image.parsed.config);
  std::vector<size_t> rows;
  for (const auto& b : blobs) rows.push_back(progress.add(digest_hex(b.digest).substr(0, 12), "Preparing"));
  BlobPush p{*client, ref.repo, mount_from, layout, progress};
  std::atomic<size_t> next{0};
  std::vector<std::optional<Error>> errors(blobs.size());
  auto work = [&] {
    auto s = HttpSession::open();
    for (size_t i; (i = next++) < blobs.size();) {
      auto pushed = s ? push_blob(p, s.value(), blobs[i], rows[i]) : Result<void>(Error(s.error()));
      if (!pushed) errors[i] = std::move(pushed).error();
    }
  };
  std::vector<std::thread> workers;
  size_t count = std::min<size_t>(blobs.size(), static_cast<size_t>(std::max(options.parallel, 1)));
  for (size_t t = 0; t < count; ++t) workers.emplace_back(work);
  for (auto& w : workers) w.join();
  progress.finish();
  for (auto& e : errors) {
    if (e) return std::move(*e).wrap("push " + ref.familiar());
  }

  std::string tag_or_digest = ref.digest.empty() ? ref.tag : ref.digest;
  Request put;
  put.method = "PUT";
  put.url = client->url("/v2/" + ref.repo + "/manifests/" + tag_or_digest);
  put.headers.push_back("Content-Type: " + image.manifest.media_type);
  put.body = manifest_text;
  Response done = TRY(client->send(session, put));
  if (done.status != 201) {
    return user_error("push {}: PUT manifest: {}", ref.familiar(), failure_text(done));
  }
  std::string announced = done.header("docker-content-digest");
  if (!announced.empty() && announced != image.manifest.digest) {
    return user_error("push {}: the registry stored the manifest as {}, not {}", ref.familiar(),
                      announced, image.manifest.digest);
  }
  progress.line(fmt::format("{}: digest: {} size: {}", tag_or_digest, image.manifest.digest,
                            image.manifest.size));
  return image.manifest.digest;
}

Result<void> login(std::string_view registry_text, const std::string& user,
                   const std::string& password, const RegistryOptions& options) {
  using namespace registry;
  std::string registry = TRY(normalize_registry(registry_text));
  if (user.empty()) return user_error("login {}: a user name is required", registry);
  if (password.empty()) return user_error("login {}: a password is required", registry);
  HttpSession session = TRY(HttpSession::open());
  // connect() answers the registry's challenge with these credentials:
  // a token server that refuses them, or a registry that refuses basic
  // auth with them, ends the login here and nothing is saved.
  Credentials credentials{user, password};
  auto client = TRY_CTX(connect(registry, options.tls_verify, {}, session, credentials),
                        "login " + registry);
  (void)client;
  return store_credentials(registry, credentials);
}

Result<bool> logout(std::string_view registry_text) {
  std::string registry = TRY(normalize_registry(registry_text));
  return registry::remove_credentials(registry);
}

}  // namespace pocker
