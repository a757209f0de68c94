// Layer unpacking (pocker/include/pocker/unpack.hpp): the input is a layer
// blob (a tar, or a gzip or zstd one), unpacked into a fresh directory of
// a sandbox that also holds a canary file and a canary directory. Whatever
// the blob holds, the canaries stay as they were and nothing appears in
// the sandbox beside the layer; a failed unpack leaves no layer at all.
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "pocker/fd.hpp"
#include "pocker/fs.hpp"
#include "pocker/unpack.hpp"

namespace {

constexpr const char* kCanary = "canary: must not change\n";

// One sandbox per fuzzing process, under $TMPDIR: the canaries, and the
// layer of the current input.
const std::string& sandbox() {
  // Never destroyed: the atexit handler below runs after static
  // destructors of objects made before it was registered.
  static const std::string& dir = *new std::string([] {
    const char* tmp = std::getenv("TMPDIR");
    auto made =
        pocker::make_temp_dir(std::string(tmp && *tmp ? tmp : "/tmp") + "/pocker-layer-fuzz-");
    FUZZ_CHECK(made.ok());
    std::string d = made.value();
    FUZZ_CHECK(pocker::write_file_atomic(d + "/canary", kCanary).ok());
    FUZZ_CHECK(pocker::make_dirs(d + "/canary-dir").ok());
    FUZZ_CHECK(pocker::write_file_atomic(d + "/canary-dir/file", kCanary).ok());
    // Gone when libFuzzer exits normally; a crash leaves it to look at.
    std::atexit([] { (void)pocker::remove_tree(sandbox()); });
    return d;
  }());
  return dir;
}

// The names in `dir`, sorted and joined by spaces.
std::string names_in(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  FUZZ_CHECK(d != nullptr);
  while (struct dirent* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : " ") + name;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& box = sandbox();
  pocker::Fd blob(::memfd_create("layer", MFD_CLOEXEC));
  FUZZ_CHECK(blob.valid());
  FUZZ_CHECK(::write(blob.get(), data, size) == static_cast<ssize_t>(size));
  FUZZ_CHECK(::lseek(blob.get(), 0, SEEK_SET) == 0);

  pocker::UnpackOptions options;
  options.rootless = true;  // no device nodes, no owners: the same on any fuzzing machine
  options.max_bytes = 64 << 20;
  options.max_entries = 10000;
  std::string dest = box + "/layer";
  auto stats = pocker::unpack_tar(blob.get(), dest, {}, options);

  FUZZ_CHECK(pocker::read_file(box + "/canary").value() == kCanary);
  FUZZ_CHECK(pocker::read_file(box + "/canary-dir/file").value() == kCanary);
  FUZZ_CHECK(names_in(box + "/canary-dir") == "file");
  FUZZ_CHECK(names_in(box) == (stats ? "canary canary-dir layer" : "canary canary-dir"));
  struct stat st;
  FUZZ_CHECK(::lstat((box + "/canary").c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
             st.st_nlink == 1);
  if (stats) FUZZ_CHECK(pocker::remove_tree(dest).ok());
  return 0;
}
