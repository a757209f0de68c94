// A container's state.json, read by StateStore::load() for ps, inspect,
// wait, stop and rm. Its parser is inside load(), so the target goes
// through the public API: it writes the input as the state.json of a
// container in a store of its own under $TMPDIR (removed at exit; a crash
// leaves its /tmp/pocker-fuzz-state.* behind) and loads it. A crash here
// is what `ps -a` would do on such a file.
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "fuzz.hpp"
#include "pocker/fs.hpp"
#include "pocker/state.hpp"

namespace {

// One id, one directory: its config.json stays missing, so load() of a
// state.json that names no container falls back on the directory alone.
constexpr const char* kId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string make_root() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/pocker-fuzz-state.XXXXXX";
  if (!::mkdtemp(pattern.data())) std::abort();
  FUZZ_CHECK(pocker::make_dirs(pattern + "/containers/" + kId, 0700).ok());
  static std::string root;
  root = pattern;
  std::atexit([] { (void)pocker::remove_tree(root); });
  return pattern;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string root = make_root();
  static pocker::StateStore store(root);
  {
    std::ofstream out(store.dir(kId) + "/state.json", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto state = store.load(kId);
  if (state) {
    // load() never reports a process it cannot vouch for as running.
    if (state.value().status == "running") FUZZ_CHECK(state.value().monitor > 0);
  }
  return 0;
}
