// A store on a full file system: pocker fails with exit 125 and a message that says why (the
// kernel's "no space left on device", not only a library's "Write failed"), and leaves nothing of
// the failed command behind.
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kPockerDies;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Every file (not directory) under `dir`, as paths relative to it.
std::vector<std::string> files_under(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_directory(type_ec)) files.push_back(it->path().lexically_relative(dir).string());
  }
  return files;
}

// The test's --root is a tmpfs of `size` (mounted over the private root directory, unmounted when
// the test ends, before the fixture removes the directory).
class LifecycleDiskFull : public lc::LifecycleTest {
 protected:
  void mount_store(const std::string& size) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
    ASSERT_EQ(::mount("tmpfs", root().c_str(), "tmpfs", 0, ("size=" + size + ",mode=0700").c_str()), 0)
        << "mount a tmpfs of " << size << " on " << root() << ": " << std::strerror(errno);
    mounted_ = true;
  }

  ~LifecycleDiskFull() override {
    if (!mounted_) return;
    // The containers go first (the fixture's `rm -f` would run after the unmount, on the empty
    // directory below), then the tmpfs with whatever is left in it.
    const std::vector<std::string> ids = lc::state_dirs(root());
    if (!ids.empty()) {
      std::vector<std::string> rm{"rm", "-f"};
      rm.insert(rm.end(), ids.begin(), ids.end());
      pocker.run(rm, lab::RunOptions{.timeout = 30s});
    }
    lc::sweep(root(), ids);
    ::umount2(root().c_str(), MNT_DETACH);
  }

 private:
  bool mounted_ = false;
};

// Catches: a failed unpack that says only libarchive's "Write failed" (the errno it keeps,
// archive_errno(), dropped), and a failed first run that leaves a half-unpacked image or a
// container behind.
TEST_F(LifecycleDiskFull, RunNamesTheReason) {
  mount_store("1m");
  if (IsSkipped() || HasFatalFailure()) return;
  const std::string name = lab::unique_name();
  const lab::Outcome run = pocker.run({"run", "--rm", "--name", name, "busybox", "true"});
  LAB_EXPECT_STATUS(run, 125, kPockerDies);
  LAB_EXPECT(lower(run.err).find("no space left on device") != std::string::npos,
             "the error to name the reason: no space left on device", run, kPockerDies);
  const std::vector<std::string> left = files_under(root());
  LAB_EXPECT(left.empty(), "no file left in the store after the failed run; found:\n    " + lc::joined(left), run,
             kPockerDies);
}

// Catches: `cp` into a container whose writable layer is on a full file system reporting success
// (libarchive's write errors ignored) or a failure without the reason.
TEST_F(LifecycleDiskFull, CpNamesTheReason) {
  mount_store("24m");
  if (IsSkipped() || HasFatalFailure()) return;
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sleep", "30"});
  LAB_ASSERT_STATUS(run, 0, lc::kVolumes);
  // More than the whole store holds.
  lab::TempDir host("pocker-lab-cp");
  const std::string big = host.path() + "/big";
  {
    std::ofstream out(big, std::ios::binary);
    const std::string block(1 << 16, 'z');
    for (int i = 0; i < 32 * 16; ++i) out.write(block.data(), static_cast<std::streamsize>(block.size()));  // 32 MiB
  }
  const lab::Outcome cp = pocker.run({"cp", big, name + ":/tmp/big"});
  LAB_EXPECT_STATUS(cp, 125, kPockerDies);
  LAB_EXPECT(lower(cp.err).find("no space left on device") != std::string::npos,
             "the error to name the reason: no space left on device", cp, kPockerDies);
}

}  // namespace
