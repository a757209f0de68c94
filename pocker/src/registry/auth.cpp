// Credentials and challenges (auth.hpp), login's file (pocker/registry.hpp).
#include "auth.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "pocker/fs.hpp"
#include "pocker/reference.hpp"
#include "pocker/registry.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace registry {
namespace {

using nlohmann::json;

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// What docker writes for Docker Hub: the key of its v1 index.
constexpr std::string_view kDockerHubKey = "https://index.docker.io/v1/";
constexpr size_t kMaxAuthFile = 1 << 20;

std::string home() {
  const char* h = ::getenv("HOME");
  return h && *h ? h : "/root";
}

std::string docker_config_file() {
  if (const char* dir = ::getenv("DOCKER_CONFIG"); dir && *dir) return std::string(dir) + "/config.json";
  return home() + "/.docker/config.json";
}

// The file as JSON; an empty object when it does not exist.
Result<json> read_auth_json(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) return json::object();
  std::string text = TRY(read_file(path));
  if (text.size() > kMaxAuthFile) return user_error("{}: too big for a credentials file", path);
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return user_error("{}: not a JSON object", path);
  return j;
}

// The keys a file may use for `registry`: docker writes Docker Hub's as
// its old index URL, and others with or without a scheme.
std::vector<std::string> keys_for(std::string_view registry) {
  std::string r(registry);
  std::vector<std::string> keys = {r, "https://" + r, "http://" + r, "https://" + r + "/"};
  if (r == kDefaultRegistry) {
    keys.insert(keys.begin(), std::string(kDockerHubKey));
    keys.push_back("index.docker.io");
    keys.push_back("registry-1.docker.io");
  }
  return keys;
}

Result<std::optional<Credentials>> credentials_in(const std::string& path, std::string_view registry) {
  json j = TRY(read_auth_json(path));
  if (!j.contains("auths") || !j["auths"].is_object()) return std::optional<Credentials>();
  const json& auths = j["auths"];
  for (const auto& key : keys_for(registry)) {
    if (!auths.contains(key) || !auths[key].is_object()) continue;
    const json& entry = auths[key];
    if (!entry.contains("auth") || !entry["auth"].is_string()) continue;
    std::string pair = TRY_CTX(base64_decode(entry["auth"].get<std::string>()),
                               fmt::format("{}: auths.{}", path, key));
    size_t colon = pair.find(':');
    if (colon == std::string::npos) {
      return user_error("{}: auths.{}: not base64 of user:password", path, key);
    }
    trace("credentials for {} from {}", registry, path);
    return std::optional<Credentials>(Credentials{pair.substr(0, colon), pair.substr(colon + 1)});
  }
  return std::optional<Credentials>();
}

// Writes the file whole, under a temporary name, mode 0600 from the start:
// the password is never readable by others, not even for a moment.
Result<void> write_auth_json(const std::string& path, const json& j) {
  std::string dir = path.substr(0, path.rfind('/'));
  if (!dir.empty()) TRY(make_dirs(dir, 0700));
  std::string temp = path + ".tmp-XXXXXX";
  Fd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return sys_error("create {}", temp);
  std::string text = j.dump(1, '\t') + "\n";
  Result<void> done;
  if (::fchmod(fd.get(), 0600) < 0) done = sys_error("chmod {}", temp);
  if (done && !write_all(fd.get(), text.data(), text.size())) done = sys_error("write {}", temp);
  if (done && ::fsync(fd.get()) < 0) done = sys_error("fsync {}", temp);
  if (done && ::rename(temp.c_str(), path.c_str()) < 0) done = sys_error("rename {} to {}", temp, path);
  if (!done) ::unlink(temp.c_str());
  return done;
}

}  // namespace

Result<Challenge> parse_challenge(std::string_view header) {
  Challenge c;
  size_t i = header.find_first_not_of(' ');
  if (i == std::string_view::npos) return user_error("empty WWW-Authenticate header");
  size_t end = header.find(' ', i);
  for (size_t k = i; k < std::min(end, header.size()); ++k) {
    c.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(header[k])));
  }
  i = end;
  // name=value or name="value", separated by commas.
  while (i != std::string_view::npos && i < header.size()) {
    i = header.find_first_not_of(" ,", i);
    if (i == std::string_view::npos) break;
    size_t eq = header.find('=', i);
    if (eq == std::string_view::npos) return user_error("WWW-Authenticate: bad parameter in {}", header);
    std::string name;
    for (size_t k = i; k < eq; ++k) {
      if (header[k] == ' ') continue;
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(header[k])));
    }
    std::string value;
    i = eq + 1;
    if (i < header.size() && header[i] == '"') {
      ++i;
      for (; i < header.size() && header[i] != '"'; ++i) {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value += header[i];
      }
      if (i >= header.size()) return user_error("WWW-Authenticate: unterminated quote in {}", header);
      ++i;
    } else {
      size_t comma = header.find(',', i);
      value = std::string(header.substr(i, comma == std::string_view::npos ? comma : comma - i));
      i = comma;
    }
    c.params[name] = value;
  }
  return c;
}

std::string base64_encode(std::string_view data) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8) | static_cast<unsigned char>(data[i + 2]);
    out += kBase64[v >> 18];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += kBase64[v & 63];
  }
  if (i < data.size()) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kBase64[v >> 18];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < data.size() ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  size_t pad = 0;
  for (char c : text) {
    if (c == '=') {
      ++pad;
      continue;
    }
    const char* at = std::char_traits<char>::find(kBase64, 64, c);
    if (!at || pad > 0) return user_error("not base64");
    v = (v << 6) | static_cast<unsigned>(at - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  if (pad > 2 || (text.size() % 4) != 0) return user_error("not base64");
  return out;
}

Result<std::optional<Credentials>> find_credentials(std::string_view registry) {
  auto own = TRY(credentials_in(auth_file(), registry));
  if (own) return own;
  return credentials_in(docker_config_file(), registry);
}

Result<void> store_credentials(std::string_view registry, const Credentials& credentials) {
  std::string path = auth_file();
  json j = TRY(read_auth_json(path));
  if (!j.contains("auths") || !j["auths"].is_object()) j["auths"] = json::object();
  for (const auto& key : keys_for(registry)) j["auths"].erase(key);
  std::string key = registry == kDefaultRegistry ? std::string(kDockerHubKey) : std::string(registry);
  j["auths"][key] = {{"auth", base64_encode(credentials.user + ":" + credentials.password)}};
  return write_auth_json(path, j);
}

Result<bool> remove_credentials(std::string_view registry) {
  std::string path = auth_file();
  json j = TRY(read_auth_json(path));
  if (!j.contains("auths") || !j["auths"].is_object()) return false;
  bool removed = false;
  for (const auto& key : keys_for(registry)) removed = j["auths"].erase(key) > 0 || removed;
  if (removed) TRY(write_auth_json(path, j));
  return removed;
}

}  // namespace registry

std::string auth_file() {
  if (const char* f = ::getenv("POCKER_AUTH_FILE"); f && *f) return f;
  if (const char* dir = ::getenv("XDG_CONFIG_HOME"); dir && *dir) {
    return std::string(dir) + "/pocker/auth.json";
  }
  return registry::home() + "/.config/pocker/auth.json";
}

Result<std::string> normalize_registry(std::string_view text) {
  std::string r(text);
  for (std::string_view scheme : {"https://", "http://"}) {
    if (r.rfind(scheme, 0) == 0) r = r.substr(scheme.size());
  }
  if (size_t slash = r.find('/'); slash != std::string::npos) {
    // `https://index.docker.io/v1/` is docker's name for Docker Hub; any
    // other path is not a registry name.
    if (r.substr(0, slash) != "index.docker.io") {
      if (r.find_first_not_of('/', slash) != std::string::npos) {
        return user_error("{}: a registry is host[:port], without a path", text);
      }
    }
    r = r.substr(0, slash);
  }
  if (r.empty() || r == "index.docker.io" || r == "registry-1.docker.io") return std::string(kDefaultRegistry);
  for (char c : r) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']') {
      return user_error("{}: not a registry host[:port]", text);
    }
  }
  return r;
}

}  // namespace pocker
