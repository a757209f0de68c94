// What the registry server labs share: a fixture that starts `pocker registry serve` on a free
// loopback port with a private root, and an HTTP client (curl, so every request is one a real
// client sends) that returns the status, the headers and the body.
#pragma once

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/fs.hpp"

namespace lab::registry_server {

inline constexpr const char* kCurl = "/usr/bin/curl";
inline constexpr const char* kSkopeo = "/usr/bin/skopeo";
inline constexpr const char* kSha256sum = "/usr/bin/sha256sum";

// One HTTP exchange. `seen` describes it for failure messages: the command, and as its stdout the
// status line, the headers and the body.
struct Reply {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names in lower case
  std::string body;
  Outcome seen;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
  // The `code` of the first error of a JSON error body, or "".
  std::string error_code() const {
    size_t at = body.find("\"code\":\"");
    if (at == std::string::npos) return "";
    at += 8;
    return body.substr(at, body.find('"', at) - at);
  }
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class RegistryServerTest : public LabTest {
 protected:
  void TearDown() override { stop_server(); }

  // Starts the server (extra flags appended) and waits for the address it announces.
  void start_server(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"registry", "serve", "--addr", "127.0.0.1:0", "--root", store()};
    args.insert(args.end(), extra.begin(), extra.end());
    RunOptions opts;
    opts.timeout = std::chrono::minutes(5);
    server_.emplace(pocker.command(args), opts);
    ASSERT_TRUE(server_->wait_for_stdout("\n", std::chrono::seconds(20)))
        << "`pocker registry serve --addr 127.0.0.1:0` should print `listening on 127.0.0.1:PORT`\n"
        << "stdout: " << server_->out() << "\nstderr: " << server_->err();
    std::string line = server_->out().substr(0, server_->out().find('\n'));
    addr_ = line.substr(line.rfind(' ') + 1);
    ASSERT_EQ(addr_.rfind("127.0.0.1:", 0), 0u) << "the line was: " << line;
  }

  // SIGTERM, then what it did.
  std::optional<Outcome> stop_server() {
    if (!server_) return std::nullopt;
    server_->signal(SIGTERM);
    Outcome done = server_->wait();
    server_.reset();
    return done;
  }

  const std::string& addr() const { return addr_; }
  std::string url(const std::string& path) const { return "http://" + addr_ + path; }
  std::string store() const { return dir_.path() + "/store"; }
  // What the server logged so far (it logs a line once each answer is sent).
  std::string server_log() {
    if (!server_) return "";
    server_->wait_for_stderr("\n(never logged)\n", std::chrono::milliseconds(300));
    return server_->err();
  }

  // `method` on `path`, with `body` (none when nullopt) and extra header lines. `chunked`: the
  // body goes with Transfer-Encoding: chunked, as docker and podman send a PATCH.
  Reply http(const std::string& method, const std::string& path, std::optional<std::string> body = std::nullopt,
             std::vector<std::string> headers = {}, bool chunked = false) {
    const std::string base = dir_.path() + "/http-" + std::to_string(++requests_);
    std::vector<std::string> argv = {kCurl, "-s", "--path-as-is", "-o", base + ".body", "-D", base + ".head",
                                     "-w", "%{http_code}"};
    if (method == "HEAD") {
      argv.push_back("--head");
    } else {
      argv.insert(argv.end(), {"-X", method});
    }
    for (const auto& h : headers) argv.insert(argv.end(), {"-H", h});
    if (body) {
      write_file(base + ".in", *body);
      if (chunked) {
        argv.insert(argv.end(), {"-H", "Transfer-Encoding: chunked", "-T", base + ".in"});
      } else {
        argv.insert(argv.end(), {"--data-binary", "@" + base + ".in"});
        bool typed = std::any_of(headers.begin(), headers.end(),
                                 [](const std::string& h) { return h.rfind("Content-Type:", 0) == 0; });
        if (!typed) argv.insert(argv.end(), {"-H", "Content-Type: application/octet-stream"});
      }
    }
    argv.push_back(url(path));
    Reply r;
    r.seen = run(argv);
    r.status = std::atoi(r.seen.out.c_str());
    std::string head = read_file(base + ".head");
    r.body = read_file(base + ".body");
    // The last header block: curl also records a `100 Continue` before it.
    size_t start = head.rfind("HTTP/", head.size() > 4 ? head.size() - 4 : 0);
    std::string block = start == std::string::npos ? head : head.substr(start);
    size_t pos = block.find("\r\n");
    while (pos != std::string::npos) {
      size_t end = block.find("\r\n", pos + 2);
      std::string line = block.substr(pos + 2, end == std::string::npos ? std::string::npos : end - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        size_t v = line.find_first_not_of(' ', colon + 1);
        r.headers.emplace(name, v == std::string::npos ? "" : line.substr(v));
      }
      pos = end;
    }
    r.seen.out = block + r.body;
    return r;
  }

  // sha256:<hex> of `data`, by sha256sum.
  std::string digest_of(const std::string& data) {
    const std::string file = dir_.path() + "/digest-" + std::to_string(++requests_);
    write_file(file, data);
    Outcome sum = run({kSha256sum, file});
    return "sha256:" + sum.out.substr(0, 64);
  }

  // A blob pushed whole (POST ?digest=); returns its digest.
  std::string push_blob(const std::string& repo, const std::string& data) {
    std::string digest = digest_of(data);
    Reply r = http("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, data);
    EXPECT_EQ(r.status, 201) << describe(r.seen);
    return digest;
  }

  // An image manifest over a config and one layer, both pushed to `repo` first unless `push` is
  // false. The text has odd spacing on purpose: a server must keep the bytes as they came.
  std::string make_manifest(const std::string& repo, const std::string& marker, bool push = true) {
    std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"m":")" +
                         marker + "\"}";
    std::string layer = "layer of " + marker;
    std::string config_digest = push ? push_blob(repo, config) : digest_of(config);
    std::string layer_digest = push ? push_blob(repo, layer) : digest_of(layer);
    return "{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
           "  \"config\": {\"mediaType\": \"application/vnd.oci.image.config.v1+json\", \"digest\": \"" +
           config_digest + "\", \"size\": " + std::to_string(config.size()) +
           "},\n  \"layers\": [ {\"mediaType\": \"application/vnd.oci.image.layer.v1.tar\", \"digest\": \"" +
           layer_digest + "\", \"size\": " + std::to_string(layer.size()) + "} ]\n}\n";
  }

  Reply put_manifest(const std::string& repo, const std::string& ref, const std::string& manifest) {
    return http("PUT", "/v2/" + repo + "/manifests/" + ref, manifest,
                {"Content-Type: application/vnd.oci.image.manifest.v1+json"});
  }

  // Files in the store's blob folder (every blob the server has named).
  size_t blob_count() const {
    std::error_code ec;
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator(store() + "/oci/blobs/sha256", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++n;
    }
    return n;
  }

  TempDir dir_{"pocker-lab-registry"};
  std::optional<Background> server_;
  std::string addr_;
  int requests_ = 0;
};

}  // namespace lab::registry_server
