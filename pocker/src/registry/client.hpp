// Internal to the registry module: one registry, one repository: its base
// URL, and requests that authenticate themselves (the Bearer token flow
// and basic auth) and retry what is worth retrying.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth.hpp"
#include "http.hpp"
#include "pocker/registry.hpp"

namespace pocker::registry {

/// A registry as the client talks to it.
class Client {
 public:
  /// `base` is the endpoint URL (registry_endpoint()); `scopes` the token
  /// scopes its requests need, e.g. `repository:library/busybox:pull`.
  Client(std::string registry, std::string base, bool tls_verify,
         std::optional<Credentials> credentials, std::vector<std::string> scopes);

  /// `base` + `path`, e.g. `/v2/library/busybox/manifests/latest`.
  std::string url(std::string_view path) const { return base_ + std::string(path); }
  /// The registry's name, for messages.
  const std::string& registry() const { return registry_; }
  /// Whether TLS certificates are checked.
  bool tls_verify() const { return tls_verify_; }
  /// The credentials it authenticates with, if any.
  const std::optional<Credentials>& credentials() const { return credentials_; }

  /// One exchange with authentication: on a 401 it answers the challenge
  /// (fetching a token for Bearer) and tries once more. No other retry.
  Result<Response> send_once(HttpSession& session, Request request);
  /// send_once() again on 429, 5xx and transport failures, waiting as
  /// retry_delay() says. Only for requests that can be sent twice.
  Result<Response> send(HttpSession& session, const Request& request);

 private:
  // The Authorization header for the next request ("" for none yet).
  std::string authorization();
  // Answers a 401's challenge: sets authorization_ or fails.
  Result<void> authenticate(HttpSession& session, const Response& unauthorized,
                            const std::string& used);

  std::string registry_;
  std::string base_;
  bool tls_verify_;
  std::optional<Credentials> credentials_;
  std::vector<std::string> scopes_;
  std::mutex mu_;              // the threads of one pull share the token
  std::string authorization_;  // "Bearer …" or "Basic …"
};

/// Where requests for `registry` go, and whether TLS is checked: plain
/// http for loopback and insecure registries, https otherwise.
struct Endpoint {
  std::string base;         ///< e.g. `https://registry-1.docker.io`
  bool tls_verify = true;   ///< check certificates
  bool http_fallback = false;  ///< --tls-verify=false: try http when https fails
};

/// The endpoint for `registry` under `options`.
Endpoint endpoint_for(std::string_view registry, bool tls_verify);

/// Opens a client for `registry` with the credentials saved for it:
/// GET /v2/ first (as every client does), which also picks http when
/// https fails and falling back is allowed, and answers the registry's
/// challenge with a token for `scopes`.
Result<std::unique_ptr<Client>> connect(std::string_view registry, bool tls_verify,
                                        std::vector<std::string> scopes, HttpSession& session,
                                        std::optional<Credentials> credentials);

}  // namespace pocker::registry
