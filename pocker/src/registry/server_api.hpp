// Internal to the registry server: a request and its response as the
// routes see them, without the HTTP library's types. server_http.cpp
// fills a Request from the wire and sends the Response back;
// server_routes.cpp holds the API itself, so it reads as plain C++.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pocker/fd.hpp"
#include "server_store.hpp"

namespace pocker::registry_server {

class Htpasswd;

struct Request {
  std::string method;                          // GET, HEAD, POST, PATCH, PUT, DELETE
  std::string path;                            // the target without its query
  std::map<std::string, std::string> query;    // decoded ?key=value pairs (the first of each)
  std::multimap<std::string, std::string> headers;  // names in lower case, every line kept
  std::optional<unsigned long long> content_length;  // none for a chunked body
  BodyReader body;                             // the body, read as it arrives

  // The first value of header `lower_name`, or "".
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent when there is no file
  // A blob sent from its file: `length` bytes from `offset`.
  Fd file;
  long long offset = 0;
  long long length = 0;
  bool head = false;  // HEAD: the headers of a GET, no body
  std::string user;   // who authenticated, for the log

  void set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
  // The length of the body that is (or, for HEAD, would be) sent.
  long long body_length() const { return file ? length : static_cast<long long>(body.size()); }
};

// Answers one request (auth is checked when `users` is given).
Response handle(Store& store, Htpasswd* users, const Request& request);

}  // namespace pocker::registry_server
