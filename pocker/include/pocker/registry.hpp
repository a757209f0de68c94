/// @file
/// @brief The distribution client: pull, push, login and logout against
/// registries that speak the OCI distribution API (Docker Hub, ghcr.io,
/// Debian's docker-registry, `pocker registry serve`).
///
/// A pull asks the registry for a manifest by tag or digest (an index
/// first, when the image is for several platforms), then for the config
/// and every layer by digest. Nothing a registry sends is trusted: every
/// blob is hashed as it streams in and is named only when its digest is
/// the one the manifest promised (pocker/layout.hpp's BlobWriter), so a
/// wrong or truncated blob never enters the store. `--trace` shows every
/// HTTP call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/image.hpp"

namespace pocker {

/// How a command reports progress.
enum class ProgressMode {
  kTerminal,  ///< one line per layer, redrawn in place (docker's look)
  kLines,     ///< a plain line at each change of state (a pipe, a log)
  kQuiet,     ///< nothing but the result
};

/// How to reach a registry.
struct RegistryOptions {
  /// Check TLS certificates. False (`--tls-verify=false`): https without
  /// checks, falling back to plain http. Loopback registries, and those in
  /// the insecure list (insecure_registries()), use plain http anyway.
  bool tls_verify = true;
  ProgressMode progress = ProgressMode::kLines;  ///< how to show progress
  int progress_fd = 1;  ///< where progress goes (`run` pulls onto stderr)
  int parallel = 3;     ///< blobs moved at once (docker's default is 3)
};

/// What `pull` takes besides the registry options.
struct PullOptions {
  RegistryOptions registry;  ///< how to reach it
  /// `os/arch[/variant]`, e.g. `linux/arm64/v8`; empty: this machine's.
  std::string platform;
};

/// This machine's platform as OCI names it: `linux/amd64`, `linux/arm64/v8`.
std::string host_platform();

/// The registries reached over plain http without `--tls-verify=false`:
/// `$POCKER_INSECURE_REGISTRIES` (comma-separated `host[:port]`) and the
/// lines of `/etc/pocker/insecure-registries`.
std::vector<std::string> insecure_registries();

/// The base URL pocker talks to for `registry` (`docker.io` →
/// `https://registry-1.docker.io`; a loopback one → `http://…`).
std::string registry_endpoint(std::string_view registry, bool tls_verify);

/// Pulls image `reference` into the store under its normalised name and
/// unpacks its layers, ready to run. On failure the store is as it was:
/// no new blob, layer or name.
Result<StoredImage> pull_image(const StoreRoot& store, std::string_view reference,
                               const PullOptions& options);

/// Finds `reference` in the store, pulling it first when it is not there
/// (as `docker run` does; the embedded busybox is never pulled).
Result<StoredImage> find_or_pull_image(const StoreRoot& store, std::string_view reference,
                                       const PullOptions& options);

/// Pushes image `reference` of the store to the registry its name says.
/// Blobs the registry has are not sent again; one that another repository
/// of the same registry holds (by another name of this image) is mounted
/// from there. Returns the manifest's digest.
Result<std::string> push_image(const StoreRoot& store, std::string_view reference,
                               const RegistryOptions& options);

/// `registry` as login and the credentials file name it: `docker.io` for
/// empty, `index.docker.io` or `https://index.docker.io/v1/`; a scheme and
/// trailing `/` are dropped.
Result<std::string> normalize_registry(std::string_view registry);

/// pocker's credentials file: `$POCKER_AUTH_FILE`, else
/// `$XDG_CONFIG_HOME/pocker/auth.json` (`~/.config/pocker/auth.json`).
std::string auth_file();

/// Checks `user` and `password` against `registry` (through its token
/// server when it has one) and saves them in auth_file() (mode 0600, in
/// docker's `{"auths":{"host":{"auth":base64}}}` format).
Result<void> login(std::string_view registry, const std::string& user,
                   const std::string& password, const RegistryOptions& options);

/// Removes `registry`'s entry from auth_file(); false when there was none.
Result<bool> logout(std::string_view registry);

}  // namespace pocker
