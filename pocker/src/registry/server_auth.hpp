// Internal to the registry server: basic authentication against an
// htpasswd file of bcrypt entries (what `htpasswd -B` writes, and what
// docker's own registry accepts).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "pocker/error.hpp"

namespace pocker::registry_server {

class Htpasswd {
 public:
  /// Reads `path`: one `user:$2y$...` line per user. Any other kind of
  /// hash is refused, not silently ignored.
  static Result<Htpasswd> load(const std::string& path);

  Htpasswd(Htpasswd&& other) noexcept : users_(std::move(other.users_)) {}

  /// The user when the `Authorization: Basic ...` header `header` names a
  /// user of the file with the right password; empty otherwise.
  std::string check(const std::string& header);

 private:
  Htpasswd() = default;
  std::map<std::string, std::string> users_;  // user -> bcrypt hash
  std::mutex mutex_;                          // guards verified_
  // Headers already verified: bcrypt costs tens of milliseconds on
  // purpose, and a push sends the same header a dozen times.
  std::map<std::string, std::string> verified_;
};

}  // namespace pocker::registry_server
