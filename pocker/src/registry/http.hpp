// Internal to the registry module: one HTTP exchange through libcurl, with
// every call shown by --trace (method, URL, status), and the retry policy
// (which failures are worth another try, and after how long).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pocker/error.hpp"

typedef void CURL;

namespace pocker::registry {

/// What to send.
struct Request {
  std::string method = "GET";          ///< GET, HEAD, POST, PUT
  std::string url;                     ///< absolute
  std::vector<std::string> headers;    ///< "Name: value" lines
  std::string body;                    ///< POST/PUT body, when body_fd < 0
  int body_fd = -1;                    ///< or a file to send (read with pread from 0)
  long long body_size = 0;             ///< its size
  bool follow_redirects = false;       ///< blob GETs may redirect to storage
  bool tls_verify = true;              ///< false: https without checking the certificate
  /// Where a 2xx body goes, piece by piece; returning false aborts the
  /// transfer (the sink keeps its own reason). Without a sink the body is
  /// collected into Response::body, up to max_body bytes.
  std::function<bool(long status, const char* data, size_t size)> sink;
  size_t max_body = 1 << 20;
};

/// What came back. `transport_error` is set (and status may be 0) when the
/// exchange did not complete: no connection, a reset, a short body.
struct Response {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< lower-case names
  std::string body;            ///< collected when the request had no sink, or on an error status
  bool body_too_big = false;   ///< the collected body passed max_body
  std::string transport_error; ///< curl's reason, empty when the exchange completed
  bool retryable_transport = false;  ///< the failure is worth another try
  bool aborted_by_sink = false;      ///< the sink said stop

  /// The last value of header `name` (lower-case), or "".
  std::string header(std::string_view name) const;
  /// True when the exchange completed with a 2xx status.
  bool ok() const { return transport_error.empty() && status >= 200 && status < 300; }
};

/// One connection cache (a curl easy handle), used by one thread at a time.
class HttpSession {
 public:
  /// A new session (libcurl is loaded on the first).
  static Result<HttpSession> open();
  HttpSession(HttpSession&& other) noexcept;
  HttpSession& operator=(HttpSession&&) = delete;
  HttpSession(const HttpSession&) = delete;
  ~HttpSession();

  /// One exchange, no retry; traced.
  Result<Response> perform(const Request& request);

 private:
  explicit HttpSession(CURL* curl) : curl_(curl) {}
  CURL* curl_;
};

/// How many times a request is tried in all (the first try and retries).
inline constexpr int kMaxTries = 5;

/// Whether to try again after `response` (429, 5xx, a retryable transport
/// failure), and after how long: Retry-After when the server gives one
/// (seconds or an HTTP date, capped at a minute), else a growing backoff.
/// nullopt when `attempt` (0 for the first try) was the last allowed.
std::optional<std::chrono::milliseconds> retry_delay(const Response& response, int attempt);

/// A one-line reason for a failed exchange: the transport error, or the
/// status with the registry's error codes and messages when the body is
/// the distribution spec's `{"errors":[...]}`.
std::string failure_text(const Response& response);

}  // namespace pocker::registry
