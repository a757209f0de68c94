// One HTTP exchange through libcurl (http.hpp), and the retry policy.
#include "http.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "curl_api.hpp"
#include "pocker/trace.hpp"

namespace pocker::registry {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// The state one exchange's callbacks share.
struct Exchange {
  const Request* request;
  Response* response;
  CURL* curl;
  const CurlApi* api;
  long long sent = 0;  // body bytes handed to curl
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  // A new status line starts a new response (after a redirect or a
  // `100 Continue`): only the last response's headers count.
  if (line.rfind("HTTP/", 0) == 0) {
    ex->response->headers.clear();
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    ex->response->headers.emplace_back(lower(trim(line.substr(0, colon))),
                                       trim(line.substr(colon + 1)));
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t n = size * count;
  long status = 0;
  ex->api->easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &status);
  if (ex->request->sink && status >= 200 && status < 300) {
    if (!ex->request->sink(status, data, n)) {
      ex->response->aborted_by_sink = true;
      return CURL_WRITEFUNC_ERROR;
    }
    return n;
  }
  // Collected: a small document, or an error body (kept for its message).
  std::string& body = ex->response->body;
  if (body.size() + n > ex->request->max_body) {
    ex->response->body_too_big = true;
    return CURL_WRITEFUNC_ERROR;
  }
  body.append(data, n);
  return n;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const Request& r = *ex->request;
  size_t want = size * count;
  if (r.body_fd < 0) {
    size_t left = r.body.size() - static_cast<size_t>(ex->sent);
    size_t n = std::min(want, left);
    std::copy_n(r.body.data() + ex->sent, n, buffer);
    ex->sent += static_cast<long long>(n);
    return n;
  }
  while (true) {
    ssize_t n = ::pread(r.body_fd, buffer, want, ex->sent);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return CURL_READFUNC_ABORT;
    ex->sent += n;
    return static_cast<size_t>(n);
  }
}

// Failures where another try may work: the peer went away or stalled.
// Not: a name that does not resolve, a refused connection, a TLS failure.
bool is_retryable(CURLcode code) {
  switch (code) {
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string Response::header(std::string_view name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return "";
}

Result<HttpSession> HttpSession::open() {
  const CurlApi* api = TRY(curl_api());
  CURL* curl = api->easy_init();
  if (!curl) return user_error("curl_easy_init failed");
  return HttpSession(curl);
}

HttpSession::HttpSession(HttpSession&& other) noexcept
    : curl_(std::exchange(other.curl_, nullptr)) {}

HttpSession::~HttpSession() {
  if (curl_) curl_api().value()->easy_cleanup(curl_);
}

Result<Response> HttpSession::perform(const Request& request) {
  const CurlApi* api = TRY(curl_api());
  Response response;
  Exchange ex{&request, &response, curl_, api};
  // reset() forgets the last request's options but keeps the open
  // connections: a pull sends many requests to one host.
  api->easy_reset(curl_);
  auto set = [&](CURLoption option, auto value) { api->easy_setopt(curl_, option, value); };
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  set(CURLOPT_CONNECTTIMEOUT, 15L);
  // A transfer that moves nothing for 30 s is stalled: give up, and let
  // the caller retry (a blob resumes where it stopped).
  set(CURLOPT_LOW_SPEED_LIMIT, 1L);
  set(CURLOPT_LOW_SPEED_TIME, 30L);
  set(CURLOPT_USERAGENT, "pocker");
  if (!request.tls_verify) {
    set(CURLOPT_SSL_VERIFYPEER, 0L);
    set(CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (request.follow_redirects) {
    // curl drops our Authorization header when a redirect leaves the host
    // (storage behind a registry must not see the registry's token).
    set(CURLOPT_FOLLOWLOCATION, 1L);
    set(CURLOPT_MAXREDIRS, 5L);
    set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  set(CURLOPT_HEADERFUNCTION, &on_header);
  set(CURLOPT_HEADERDATA, &ex);
  set(CURLOPT_WRITEFUNCTION, &on_body);
  set(CURLOPT_WRITEDATA, &ex);

  struct curl_slist* headers = nullptr;
  // No `Expect: 100-continue` round trip before a blob upload.
  headers = api->slist_append(headers, "Expect:");
  for (const auto& h : request.headers) headers = api->slist_append(headers, h.c_str());
  const bool has_body = request.body_fd >= 0 || !request.body.empty();
  if (request.method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST" && !has_body) {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDS, "");
    set(CURLOPT_POSTFIELDSIZE, 0L);
  } else if (request.method == "PUT" || request.method == "POST" || request.method == "PATCH") {
    set(CURLOPT_UPLOAD, 1L);
    set(CURLOPT_READFUNCTION, &on_read);
    set(CURLOPT_READDATA, &ex);
    curl_off_t size = request.body_fd >= 0 ? request.body_size
                                           : static_cast<curl_off_t>(request.body.size());
    set(CURLOPT_INFILESIZE_LARGE, size);
    if (request.method != "PUT") set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  set(CURLOPT_HTTPHEADER, headers);

  CURLcode code = api->easy_perform(curl_);
  api->slist_free_all(headers);
  api->easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
  if (code != CURLE_OK) {
    response.transport_error = api->easy_strerror(code);
    response.retryable_transport = is_retryable(code) && !response.aborted_by_sink &&
                                   !response.body_too_big;
  }
  if (code == CURLE_OK) {
    trace("HTTP {} {} = {}", request.method, request.url, response.status);
  } else {
    trace("HTTP {} {} = {} ({})", request.method, request.url, response.status,
          response.transport_error);
  }
  return response;
}

std::optional<std::chrono::milliseconds> retry_delay(const Response& response, int attempt) {
  if (attempt + 1 >= kMaxTries) return std::nullopt;
  bool retry = response.transport_error.empty()
                   ? response.status == 429 || (response.status >= 500 && response.status != 501)
                   : response.retryable_transport;
  if (!retry) return std::nullopt;
  using std::chrono::milliseconds;
  constexpr long kMaxWaitMs = 60'000;
  std::string after = response.header("retry-after");
  if (!after.empty()) {
    // delta-seconds, or an HTTP date (RFC 9110 section 10.2.3).
    if (std::all_of(after.begin(), after.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      long seconds = after.size() > 6 ? kMaxWaitMs / 1000 : std::stol(after);
      return milliseconds(std::min(seconds * 1000, kMaxWaitMs));
    }
    struct tm tm {};
    if (::strptime(after.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
      long wait = static_cast<long>(::timegm(&tm) - ::time(nullptr)) * 1000;
      return milliseconds(std::clamp(wait, 0L, kMaxWaitMs));
    }
  }
  return milliseconds(250L << attempt);  // 250 ms, 0.5 s, 1 s, 2 s
}

std::string failure_text(const Response& response) {
  if (!response.transport_error.empty()) return response.transport_error;
  std::string text = fmt::format("status {}", response.status);
  auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
      std::string message =
          e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
      text += fmt::format(", {}{}{}", code, code.empty() || message.empty() ? "" : ": ", message);
    }
  }
  return text;
}

}  // namespace pocker::registry
