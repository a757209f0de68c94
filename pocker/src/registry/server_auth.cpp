// Basic authentication for the registry server (server_auth.hpp).
//
// The passwords are bcrypt hashes (`$2y$`, `$2b$`, `$2a$`), verified by
// libcrypt's crypt_r(): Debian's libcrypt is libxcrypt, which knows
// bcrypt, so no hashing code of our own is needed. libcrypt is dlopen()ed
// when an htpasswd file is given, as digest.cpp does with libcrypto: no
// other pocker command pays for loading it.
#include "server_auth.hpp"

#include <crypt.h>
#include <dlfcn.h>

#include <memory>
#include <sstream>

#include "../image/layout_files.hpp"

namespace pocker::registry_server {
namespace {

constexpr const char* kCryptSoname = "libcrypt.so.1";
constexpr size_t kMaxHtpasswd = 1 << 20;
constexpr size_t kMaxVerified = 64;

using CryptR = char* (*)(const char*, const char*, struct crypt_data*);

CryptR crypt_function() {
  static const CryptR fn = [] {
    void* lib = ::dlopen(kCryptSoname, RTLD_NOW | RTLD_LOCAL);
    return lib ? reinterpret_cast<CryptR>(::dlsym(lib, "crypt_r")) : nullptr;
  }();
  return fn;
}

bool is_bcrypt(const std::string& hash) {
  return hash.size() == 60 && (hash.rfind("$2y$", 0) == 0 || hash.rfind("$2b$", 0) == 0 || hash.rfind("$2a$", 0) == 0);
}

// RFC 4648 base64, as Basic credentials are sent; "" when malformed.
std::string base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) return "";
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// Compares every byte whatever the first difference: the time taken says
// nothing about how much of a guess was right.
bool same_bytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Result<Htpasswd> Htpasswd::load(const std::string& path) {
  if (!crypt_function()) return user_error("--htpasswd needs crypt_r from {} (package libcrypt1)", kCryptSoname);
  std::string text = TRY(read_small_file(path, kMaxHtpasswd));
  Htpasswd file;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string::npos) return user_error("{}:{}: not `user:hash`", path, number);
    std::string hash = line.substr(colon + 1);
    if (!is_bcrypt(hash)) {
      return user_error("{}:{}: only bcrypt entries ($2y$, as `htpasswd -B` writes) are accepted", path, number);
    }
    file.users_[line.substr(0, colon)] = hash;
  }
  if (file.users_.empty()) return user_error("{}: no user in the file", path);
  return file;
}

std::string Htpasswd::check(const std::string& header) {
  if (header.rfind("Basic ", 0) != 0) return "";
  {
    std::lock_guard lock(mutex_);
    if (auto it = verified_.find(header); it != verified_.end()) return it->second;
  }
  std::string pair = base64_decode(header.substr(6));
  size_t colon = pair.find(':');
  if (colon == std::string::npos) return "";
  std::string user = pair.substr(0, colon);
  auto it = users_.find(user);
  if (it == users_.end()) return "";
  auto data = std::make_unique<struct crypt_data>();
  const char* got = crypt_function()(pair.c_str() + colon + 1, it->second.c_str(), data.get());
  if (!got || !same_bytes(got, it->second)) return "";
  std::lock_guard lock(mutex_);
  if (verified_.size() >= kMaxVerified) verified_.clear();
  verified_[header] = user;
  return user;
}

}  // namespace pocker::registry_server
