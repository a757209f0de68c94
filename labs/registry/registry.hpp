// What the registry labs share: Debian's docker-registry started on a free loopback port with its
// storage in a private directory (and, when asked, htpasswd basic auth), an image pushed there by
// skopeo from an OCI layout that pocker itself made, and a one-layer image as raw blobs for the
// fake registry of fake_registry.hpp.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "images/images.hpp"
#include "support/run.hpp"

namespace lab::registry {

inline constexpr const char* kDockerRegistry = "/usr/bin/docker-registry";
inline constexpr const char* kSkopeo = "/usr/bin/skopeo";

// A port nobody listens on right now (the kernel's pick, released at once).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_answers(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Debian's docker-registry (distribution 2.8) serving `storage` on 127.0.0.1:<free port>, killed
// with its process group when this goes away.
class DockerRegistry {
 public:
  // htpasswd: a file of `user:bcrypt` lines, or "" for no auth.
  DockerRegistry(const std::string& dir, const std::string& htpasswd = "") {
    port_ = free_port();
    const std::string config = dir + "/registry.yml";
    std::string text = "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " +
                       dir + "/storage\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" +
                       std::to_string(port_) + "\n";
    if (!htpasswd.empty()) text += "auth:\n  htpasswd:\n    realm: lab\n    path: " + htpasswd + "\n";
    images::write_file(config, text);
    server_ = std::make_unique<Background>(std::vector<std::string>{kDockerRegistry, "serve", config},
                                           RunOptions{.timeout = std::chrono::minutes(5)});
    for (int i = 0; i < 100 && !port_answers(port_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  bool up() const { return port_answers(port_); }

 private:
  int port_ = 0;
  std::unique_ptr<Background> server_;
};

// `skopeo copy` of reference `ref` of the OCI layout `layout` to docker://`dest`.
inline Outcome skopeo_push(const std::string& layout, const std::string& ref, const std::string& dest,
                           const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {kSkopeo, "copy", "--dest-tls-verify=false"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("oci:" + layout + ":" + ref);
  argv.push_back("docker://" + dest);
  return run(argv, RunOptions{.timeout = std::chrono::minutes(2)});
}

// The "Digest" skopeo inspect reports for docker://`ref`, or "".
inline std::string skopeo_digest(const std::string& ref) {
  const Outcome o = run({kSkopeo, "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://" + ref});
  std::string d = o.out;
  while (!d.empty() && d.back() == '\n') d.pop_back();
  return o.status == 0 ? d : "";
}

// sha256:<hex> of `data` (by sha256sum: the labs link no crypto library).
inline std::string sha256_of(const std::string& data, const std::string& scratch) {
  images::write_file(scratch, data);
  const Outcome o = run({"/usr/bin/sha256sum", scratch});
  return "sha256:" + o.out.substr(0, 64);
}

// A one-layer image as the blobs a registry serves: an uncompressed tar with /hello.txt.
struct RawImage {
  std::string layer, layer_digest;
  std::string config, config_digest;
  std::string manifest, manifest_digest;
};

inline RawImage raw_image(const std::string& marker, const std::string& scratch) {
  RawImage im;
  im.layer = images::make_tar({{"hello.txt", '0', marker + "\n"}});
  im.layer_digest = sha256_of(im.layer, scratch);
  im.config = R"({"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[")" +
              im.layer_digest + R"("]}})";
#if defined(__aarch64__)
  im.config.replace(im.config.find("amd64"), 5, "arm64");
#endif
  im.config_digest = sha256_of(im.config, scratch);
  im.manifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                im.config_digest + R"(","size":)" + std::to_string(im.config.size()) +
                R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" +
                im.layer_digest + R"(","size":)" + std::to_string(im.layer.size()) + "}]}";
  im.manifest_digest = sha256_of(im.manifest, scratch);
  return im;
}

// The names in a store's blobs/sha256 directory (empty when there is no store).
inline std::vector<std::string> blob_names(const std::string& root) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root + "/images/oci/blobs/sha256", ec)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

// Every file anywhere under the store whose name says it is a temporary one.
inline std::vector<std::string> temp_files(const std::string& root) {
  std::vector<std::string> found;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.find(".tmp-") != std::string::npos || name.rfind(".pocker-blob-", 0) == 0 ||
        name.rfind(".unpack-", 0) == 0) {
      found.push_back(it->path().string());
    }
  }
  return found;
}

}  // namespace lab::registry
