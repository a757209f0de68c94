// Internal to the registry module: credentials (docker's config.json
// `auths` format), the WWW-Authenticate challenge, base64.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "pocker/error.hpp"

namespace pocker::registry {

/// A user name and password (or token) for one registry.
struct Credentials {
  std::string user;      ///< user name
  std::string password;  ///< password or access token
};

/// A parsed `WWW-Authenticate` header: its scheme and parameters.
struct Challenge {
  std::string scheme;                         ///< lower-case: `bearer`, `basic`
  std::map<std::string, std::string> params;  ///< realm, service, scope (names lower-case)
};

/// Reads `Bearer realm="https://a/token",service="x",scope="repository:r:pull"`.
/// Fails on a header it cannot read (no scheme, an unterminated quote).
Result<Challenge> parse_challenge(std::string_view header);

/// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view data);
/// Decodes standard base64; fails on anything else.
Result<std::string> base64_decode(std::string_view text);

/// The credentials for `registry` (`docker.io`, `127.0.0.1:5000`): from
/// pocker's own file first, then docker's config.json; nullopt when
/// neither has an entry. A file that cannot be read is an error.
Result<std::optional<Credentials>> find_credentials(std::string_view registry);

/// Saves `credentials` for `registry` in pocker's file (auth_file()).
Result<void> store_credentials(std::string_view registry, const Credentials& credentials);

/// Removes `registry`'s entry from pocker's file; false when it had none.
Result<bool> remove_credentials(std::string_view registry);

}  // namespace pocker::registry
