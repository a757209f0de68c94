// Internal to the registry module: libcurl, opened with dlopen() on first
// use. Linked, libcurl and the dozen libraries it needs (TLS, HTTP/2,
// IDN, Kerberos, LDAP...) would be mapped at the start of every pocker
// command, while only pull, push and login talk HTTP.
#pragma once

#include <curl/curl.h>

#include "pocker/error.hpp"

namespace pocker::registry {

/// The libcurl functions the client calls. Each member has the type
/// <curl/curl.h> declares, so a mismatch is a compile error.
struct CurlApi {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
};

/// libcurl, loaded and initialised once (curl_global_init is not
/// thread-safe: the first call happens before any download thread
/// starts); an error when it cannot be loaded.
Result<const CurlApi*> curl_api();

}  // namespace pocker::registry
