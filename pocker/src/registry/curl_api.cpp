// libcurl through dlopen() (curl_api.hpp says why).
#include "curl_api.hpp"

#include <dlfcn.h>

#include <string>

namespace pocker::registry {
namespace {

// libcurl has kept soname 4 since 7.16 (2006).
constexpr const char* kCurlSoname = "libcurl.so.4";

struct Loaded {
  CurlApi api;
  std::string error;  // why it could not be loaded; empty when loaded
};

template <typename F>
void bind(void* lib, const char* name, F& fn, std::string& error) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (!fn && error.empty()) error = std::string("no ") + name + " in " + kCurlSoname;
}

const Loaded& loaded() {
  static const Loaded once = [] {
    Loaded l;
    void* lib = ::dlopen(kCurlSoname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = ::dlerror();
      l.error = std::string("load ") + kCurlSoname + ": " + (why ? why : "not found") +
                " (is the libcurl4 package installed?)";
      return l;
    }
    CurlApi& a = l.api;
    bind(lib, "curl_global_init", a.global_init, l.error);
    bind(lib, "curl_easy_init", a.easy_init, l.error);
    bind(lib, "curl_easy_setopt", a.easy_setopt, l.error);
    bind(lib, "curl_easy_perform", a.easy_perform, l.error);
    bind(lib, "curl_easy_getinfo", a.easy_getinfo, l.error);
    bind(lib, "curl_easy_reset", a.easy_reset, l.error);
    bind(lib, "curl_easy_cleanup", a.easy_cleanup, l.error);
    bind(lib, "curl_easy_strerror", a.easy_strerror, l.error);
    bind(lib, "curl_slist_append", a.slist_append, l.error);
    bind(lib, "curl_slist_free_all", a.slist_free_all, l.error);
    if (l.error.empty() && a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      l.error = "curl_global_init failed";
    }
    return l;
  }();
  return once;
}

}  // namespace

Result<const CurlApi*> curl_api() {
  if (!loaded().error.empty()) return user_error("{}", loaded().error);
  return &loaded().api;
}

}  // namespace pocker::registry
