// sha256 through OpenSSL's EVP interface (pocker/digest.hpp says why
// OpenSSL). EVP, not the deprecated SHA256_Init family: OpenSSL 3 routes
// EVP to its fastest implementation (SHA-NI, AVX2) for the CPU it runs on.
#include "pocker/digest.hpp"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <new>
#include <vector>

#include "pocker/fd.hpp"
#include "pocker/reference.hpp"

namespace pocker {
namespace {

// libcrypto is opened on the first digest, not linked: linked, the loader
// would map and relocate it at the start of every pocker command (about
// 1.3 ms here), while only storing or checking image content hashes. The
// soname is OpenSSL 3's; the headers below say which functions it has.
constexpr const char* kCryptoSoname = "libcrypto.so.3";

struct Crypto {
  std::string error;  // why it could not be loaded; empty when loaded
  decltype(&::EVP_MD_CTX_new) md_ctx_new = nullptr;
  decltype(&::EVP_MD_CTX_free) md_ctx_free = nullptr;
  decltype(&::EVP_sha256) sha256 = nullptr;
  decltype(&::EVP_DigestInit_ex) init = nullptr;
  decltype(&::EVP_DigestUpdate) update = nullptr;
  decltype(&::EVP_DigestFinal_ex) final = nullptr;
  decltype(&::ERR_get_error) err_get = nullptr;
  decltype(&::ERR_error_string_n) err_string = nullptr;
};

template <typename F>
void bind(void* lib, const char* name, F& fn, std::string& error) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (!fn && error.empty()) error = std::string("no ") + name + " in " + kCryptoSoname;
}

const Crypto& crypto() {
  static const Crypto loaded = [] {
    Crypto c;
    void* lib = ::dlopen(kCryptoSoname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = ::dlerror();
      c.error = std::string("load ") + kCryptoSoname + ": " + (why ? why : "not found") +
                " (is the libssl3 package installed?)";
      return c;
    }
    bind(lib, "EVP_MD_CTX_new", c.md_ctx_new, c.error);
    bind(lib, "EVP_MD_CTX_free", c.md_ctx_free, c.error);
    bind(lib, "EVP_sha256", c.sha256, c.error);
    bind(lib, "EVP_DigestInit_ex", c.init, c.error);
    bind(lib, "EVP_DigestUpdate", c.update, c.error);
    bind(lib, "EVP_DigestFinal_ex", c.final, c.error);
    bind(lib, "ERR_get_error", c.err_get, c.error);
    bind(lib, "ERR_error_string_n", c.err_string, c.error);
    return c;
  }();
  return loaded;
}

// OpenSSL keeps its reasons on a thread-local queue, not in errno; reading
// the code also takes it off the queue.
std::string openssl_reason() {
  unsigned long code = crypto().err_get();
  if (code == 0) return "unknown reason";
  char text[256];
  crypto().err_string(code, text, sizeof text);
  return text;
}

constexpr size_t kReadBuffer = 1 << 20;  // 1 MiB: past this, reads cost no more per byte

}  // namespace

struct Digester::Ctx {
  EVP_MD_CTX* md = nullptr;
  bool failed = false;
  bool finished = false;
  std::string reason;  // OpenSSL's, when failed
  ~Ctx() {
    if (md) crypto().md_ctx_free(md);
  }
};

Digester::Digester() : ctx_(std::make_unique<Ctx>()) {
  // A failure (no libcrypto, a failed init) is remembered and reported by
  // finish(): the callers stream data through update() and check once at
  // the end.
  if (!crypto().error.empty()) {
    ctx_->failed = true;
    ctx_->reason = crypto().error;
    return;
  }
  ctx_->md = crypto().md_ctx_new();
  if (!ctx_->md) throw std::bad_alloc();
  if (crypto().init(ctx_->md, crypto().sha256(), nullptr) != 1) {
    ctx_->failed = true;
    ctx_->reason = openssl_reason();
  }
}

Digester::~Digester() = default;
Digester::Digester(Digester&&) noexcept = default;
Digester& Digester::operator=(Digester&&) noexcept = default;

void Digester::update(const void* data, size_t size) {
  bytes_ += size;
  if (ctx_->failed || ctx_->finished || size == 0) return;
  if (crypto().update(ctx_->md, data, size) != 1) {
    ctx_->failed = true;
    ctx_->reason = openssl_reason();
  }
}

Result<std::string> Digester::finish() {
  if (ctx_->finished) return user_error("sha256: finish called twice");
  ctx_->finished = true;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx_->failed && crypto().final(ctx_->md, out, &len) != 1) {
    ctx_->failed = true;
    ctx_->reason = openssl_reason();
  }
  if (ctx_->failed) return user_error("sha256: openssl: {}", ctx_->reason);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string digest = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    digest += kHex[out[i] >> 4];
    digest += kHex[out[i] & 0xf];
  }
  return digest;
}

Result<std::string> sha256_digest(std::string_view data) {
  Digester d;
  d.update(data);
  return d.finish();
}

Result<FileDigest> fd_digest(int fd, const std::string& shown) {
  // The kernel reads ahead further when it knows the file is read once,
  // start to end; advice only, so its failure does not matter.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  Digester d;
  std::vector<char> buf(kReadBuffer);
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read {}", shown);
    if (n == 0) break;
    d.update(buf.data(), static_cast<size_t>(n));
  }
  return FileDigest{TRY_CTX(d.finish(), shown), d.bytes()};
}

Result<FileDigest> file_digest(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("open {}", path);
  return fd_digest(fd.get(), path);
}

Result<std::string> chain_id(std::string_view parent, std::string_view diff_id) {
  TRY_CTX(check_digest(diff_id), "chain id");
  if (parent.empty()) return std::string(diff_id);
  TRY_CTX(check_digest(parent), "chain id");
  std::string text;
  text.reserve(parent.size() + 1 + diff_id.size());
  text.append(parent).append(" ").append(diff_id);
  return sha256_digest(text);
}

}  // namespace pocker
