#include "pocker/spec.hpp"

#include <sys/random.h>

#include <string_view>

namespace pocker {

Result<std::vector<std::string>> build_env(const std::vector<std::string>& user_env,
                                           char** host_env) {
  std::vector<std::string> env = {std::string("PATH=") + kDefaultPath};
  auto set = [&env](const std::string& entry) {
    std::string key = entry.substr(0, entry.find('='));
    for (auto& existing : env) {
      if (existing.compare(0, key.size() + 1, key + "=") == 0) {
        existing = entry;
        return;
      }
    }
    env.push_back(entry);
  };
  for (const auto& entry : user_env) {
    size_t eq = entry.find('=');
    if (eq == 0 || entry.empty()) return user_error("invalid environment variable \"{}\"", entry);
    if (eq != std::string::npos) {
      set(entry);
      continue;
    }
    // `-e KEY`: take the value from pocker's own environment, if any.
    // Compared as lengths and bytes, not with strncmp: an --env-file line
    // may hold a NUL, where strncmp stops early and the `=` test would then
    // read past the end of a shorter host entry (found by fuzz/env_fuzz).
    for (char** h = host_env; h && *h; ++h) {
      std::string_view host(*h);
      if (host.size() > entry.size() && host.compare(0, entry.size(), entry) == 0 &&
          host[entry.size()] == '=') {
        set(*h);
        break;
      }
    }
  }
  return env;
}

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : raw) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

std::string new_container_id() { return random_hex(32); }

}  // namespace pocker
