// A registry client that authenticates itself (client.hpp). The token
// flow (distribution's `docs/spec/auth/token.md`): a request without a
// token gets 401 and a `WWW-Authenticate: Bearer realm=…,service=…,
// scope=…` challenge; the client asks the realm for a token for that
// scope, anonymously or with the user's basic credentials, and sends the
// request again with `Authorization: Bearer <token>`.
#include "client.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "pocker/fs.hpp"
#include "pocker/reference.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace registry {
namespace {

constexpr size_t kMaxTokenResponse = 1 << 20;

// RFC 3986 unreserved characters pass, everything else is %XX.
std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// `host[:port]` without the port; `[::1]:5000` → `::1`.
std::string host_of(std::string_view registry) {
  std::string r(registry);
  if (!r.empty() && r[0] == '[') return r.substr(1, r.find(']') - 1);
  return r.substr(0, r.find(':'));
}

bool is_loopback(std::string_view registry) {
  std::string host = host_of(registry);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

Client::Client(std::string registry, std::string base, bool tls_verify,
               std::optional<Credentials> credentials, std::vector<std::string> scopes)
    : registry_(std::move(registry)),
      base_(std::move(base)),
      tls_verify_(tls_verify),
      credentials_(std::move(credentials)),
      scopes_(std::move(scopes)) {}

std::string Client::authorization() {
  std::lock_guard<std::mutex> lock(mu_);
  return authorization_;
}

Result<void> Client::authenticate(HttpSession& session, const Response& unauthorized,
                                  const std::string& used) {
  std::lock_guard<std::mutex> lock(mu_);
  // Another thread answered the same challenge meanwhile: use its token.
  if (authorization_ != used) return ok();
  std::string header = unauthorized.header("www-authenticate");
  if (header.empty()) return user_error("{}: 401 without a WWW-Authenticate challenge", registry_);
  Challenge challenge = TRY_CTX(parse_challenge(header), registry_);
  if (challenge.scheme == "basic") {
    if (!credentials_) {
      return user_error("{}: authentication required (run: pocker login {})", registry_, registry_);
    }
    std::string basic = "Basic " + base64_encode(credentials_->user + ":" + credentials_->password);
    if (used == basic) return user_error("{}: unauthorized: wrong user name or password", registry_);
    authorization_ = basic;
    return ok();
  }
  if (challenge.scheme != "bearer") {
    return user_error("{}: unsupported authentication scheme {}", registry_, challenge.scheme);
  }
  const std::string& realm = challenge.params["realm"];
  if (realm.rfind("https://", 0) != 0 && realm.rfind("http://", 0) != 0) {
    return user_error("{}: token realm \"{}\" is not an http(s) URL", registry_, realm);
  }
  // The scopes the challenge names and the ones this client needs, once
  // each: one token then covers every request of the command.
  std::vector<std::string> scopes = scopes_;
  std::istringstream named(challenge.params["scope"]);
  for (std::string scope; named >> scope;) {
    if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) scopes.push_back(scope);
  }
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  url += "service=" + url_encode(challenge.params["service"]);
  for (const auto& scope : scopes) url += "&scope=" + url_encode(scope);
  Request request;
  request.url = url;
  request.tls_verify = tls_verify_;
  request.max_body = kMaxTokenResponse;
  if (credentials_) {
    request.headers.push_back("Authorization: Basic " +
                              base64_encode(credentials_->user + ":" + credentials_->password));
  }
  Response response;
  for (int attempt = 0;; ++attempt) {
    response = TRY(session.perform(request));
    auto delay = retry_delay(response, attempt);
    if (!delay) break;
    std::this_thread::sleep_for(*delay);
  }
  if (response.status == 401 || response.status == 403) {
    return user_error("{}: unauthorized: the token server refused {}", registry_,
                      credentials_ ? "the user name or password" : "an anonymous token");
  }
  if (!response.ok()) {
    return user_error("{}: token request to {}: {}", registry_, realm, failure_text(response));
  }
  auto j = nlohmann::json::parse(response.body, nullptr, false);
  std::string token;
  for (const char* key : {"token", "access_token"}) {
    if (token.empty() && j.is_object() && j.contains(key) && j[key].is_string()) {
      token = j[key].get<std::string>();
    }
  }
  if (token.empty()) return user_error("{}: the token server's answer holds no token", registry_);
  if (used == "Bearer " + token) {
    return user_error("{}: unauthorized: the registry refused its own token server's token", registry_);
  }
  authorization_ = "Bearer " + token;
  return ok();
}

Result<Response> Client::send_once(HttpSession& session, Request request) {
  request.tls_verify = tls_verify_;
  const size_t plain = request.headers.size();
  std::string used = authorization();
  for (int round = 0;; ++round) {
    request.headers.resize(plain);
    if (!used.empty()) request.headers.push_back("Authorization: " + used);
    Response response = TRY(session.perform(request));
    if (response.status != 401 || !response.transport_error.empty() || round == 2) return response;
    TRY(authenticate(session, response, used));
    used = authorization();
  }
}

Result<Response> Client::send(HttpSession& session, const Request& request) {
  for (int attempt = 0;; ++attempt) {
    Response response = TRY(send_once(session, request));
    auto delay = retry_delay(response, attempt);
    if (!delay) return response;
    trace("retry {} {} in {} ms", request.method, request.url, delay->count());
    std::this_thread::sleep_for(*delay);
  }
}

Endpoint endpoint_for(std::string_view registry, bool tls_verify) {
  Endpoint e;
  auto insecure = insecure_registries();
  if (is_loopback(registry) ||
      std::find(insecure.begin(), insecure.end(), registry) != insecure.end()) {
    e.base = "http://" + std::string(registry);
    e.tls_verify = false;
    return e;
  }
  std::string host = registry == kDefaultRegistry ? "registry-1.docker.io" : std::string(registry);
  e.base = "https://" + host;
  e.tls_verify = tls_verify;
  e.http_fallback = !tls_verify;
  return e;
}

Result<std::unique_ptr<Client>> connect(std::string_view registry, bool tls_verify,
                                        std::vector<std::string> scopes, HttpSession& session,
                                        std::optional<Credentials> credentials) {
  Endpoint e = endpoint_for(registry, tls_verify);
  auto client = std::make_unique<Client>(std::string(registry), e.base, e.tls_verify,
                                         std::move(credentials), scopes);
  Request ping;
  ping.url = client->url("/v2/");
  Response response = TRY(client->send(session, ping));
  if (!response.transport_error.empty() && e.http_fallback) {
    // --tls-verify=false: a registry that speaks no TLS at all.
    std::string plain = "http://" + std::string(registry);
    trace("{}: https failed ({}), trying {}", registry, response.transport_error, plain);
    client = std::make_unique<Client>(std::string(registry), plain, false,
                                      client->credentials(), std::move(scopes));
    ping.url = client->url("/v2/");
    response = TRY(client->send(session, ping));
  }
  if (!response.ok()) {
    return user_error("{}: GET {}: {}", registry, ping.url, failure_text(response));
  }
  return client;
}

}  // namespace registry

std::vector<std::string> insecure_registries() {
  std::vector<std::string> list;
  auto add = [&](std::string_view text) {
    for (size_t start = 0; start <= text.size();) {
      size_t end = text.find_first_of(",\n", start);
      if (end == std::string_view::npos) end = text.size();
      std::string item(text.substr(start, end - start));
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t\r") + 1);
      if (!item.empty() && item[0] != '#') list.push_back(item);
      start = end + 1;
    }
  };
  if (const char* env = ::getenv("POCKER_INSECURE_REGISTRIES"); env) add(env);
  if (auto text = read_file("/etc/pocker/insecure-registries"); text) add(text.value());
  return list;
}

std::string registry_endpoint(std::string_view registry, bool tls_verify) {
  return registry::endpoint_for(registry, tls_verify).base;
}

}  // namespace pocker
