// libnftables, opened on first use (as libcrypto and libarchive are): it
// pulls in five more libraries (libnftnl, libmnl, libjansson, libxtables,
// libgmp) that every other pocker command would load for nothing.
#include "nftables.hpp"

#include <dlfcn.h>
#include <errno.h>
#include <nftables/libnftables.h>

#include "pocker/trace.hpp"

namespace pocker {
namespace {

constexpr const char* kSoname = "libnftables.so.1";

struct Nftables {
  std::string error;  // why it could not be loaded; empty when loaded
  decltype(&::nft_ctx_new) ctx_new = nullptr;
  decltype(&::nft_ctx_free) ctx_free = nullptr;
  decltype(&::nft_ctx_output_set_flags) set_flags = nullptr;
  decltype(&::nft_ctx_buffer_output) buffer_output = nullptr;
  decltype(&::nft_ctx_buffer_error) buffer_error = nullptr;
  decltype(&::nft_ctx_get_output_buffer) output_buffer = nullptr;
  decltype(&::nft_ctx_get_error_buffer) error_buffer = nullptr;
  decltype(&::nft_run_cmd_from_buffer) run = nullptr;
};

template <typename F>
void bind(void* lib, const char* name, F& fn, std::string& error) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (!fn && error.empty()) error = std::string("no ") + name + " in " + kSoname;
}

const Nftables& nftables() {
  static const Nftables loaded = [] {
    Nftables n;
    void* lib = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = ::dlerror();
      n.error = std::string("load ") + kSoname + ": " + (why ? why : "not found") +
                " (is the libnftables1 package installed?)";
      return n;
    }
    bind(lib, "nft_ctx_new", n.ctx_new, n.error);
    bind(lib, "nft_ctx_free", n.ctx_free, n.error);
    bind(lib, "nft_ctx_output_set_flags", n.set_flags, n.error);
    bind(lib, "nft_ctx_buffer_output", n.buffer_output, n.error);
    bind(lib, "nft_ctx_buffer_error", n.buffer_error, n.error);
    bind(lib, "nft_ctx_get_output_buffer", n.output_buffer, n.error);
    bind(lib, "nft_ctx_get_error_buffer", n.error_buffer, n.error);
    bind(lib, "nft_run_cmd_from_buffer", n.run, n.error);
    return n;
  }();
  return loaded;
}

// The first line of libnftables' message, which names the failing command.
std::string first_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  size_t nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

}  // namespace

Result<std::string> nft_run(const std::string& script, NftOutput output) {
  const Nftables& nft = nftables();
  if (!nft.error.empty()) return user_error("{}", nft.error);
  struct nft_ctx* ctx = nft.ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return errno_error(ENOMEM, "nft_ctx_new");
  if (output == NftOutput::kJsonWithHandles) {
    nft.set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
  }
  nft.buffer_output(ctx);
  nft.buffer_error(ctx);
  int rc = nft.run(ctx, script.c_str());
  // Each get empties its buffer: read once.
  const char* out_text = nft.output_buffer(ctx);
  const char* err_text = nft.error_buffer(ctx);
  std::string out = out_text ? out_text : "";
  std::string err = err_text ? err_text : "";
  nft.ctx_free(ctx);
  if (trace_enabled()) {
    std::string shown = script;
    while (!shown.empty() && shown.back() == '\n') shown.pop_back();
    trace("nft -f - <<EOF\n{}\nEOF = {}", shown, rc == 0 ? "ok" : first_line(err));
  }
  if (rc != 0) return user_error("nftables: {}", first_line(err));
  return out;
}

}  // namespace pocker
