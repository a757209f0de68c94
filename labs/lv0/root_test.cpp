// The container's / is the image (or the --rootfs directory), not the host's.
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "lv0/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using lab::lv0::kRoot;

bool has_line(const std::string& text, const std::string& wanted) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line == wanted) return true;
  }
  return false;
}

using Lv0Root = lab::LabTest;

TEST_F(Lv0Root, ImageIsTheRoot) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "ls", "-1", "/"});
  LAB_EXPECT_STATUS(outcome, 0, kRoot);
  LAB_EXPECT(has_line(outcome.out, "bin") && has_line(outcome.out, "etc"), "`ls -1 /` to list bin and etc",
             outcome, kRoot);
}

TEST_F(Lv0Root, HostFileIsNotVisible) {
  const lab::TempDir marker("pocker-lab-marker");  // exists on the host, under a name nobody else uses
  const lab::Outcome outcome = pocker.run(
      {"run", "busybox", "sh", "-c", "test -e \"$1\" && echo visible || echo hidden", "sh", marker.path()});
  LAB_EXPECT_STATUS(outcome, 0, kRoot);
  LAB_EXPECT_OUT_EQ(outcome, "hidden\n", kRoot);
}

using Lv0Rootfs = lab::LabTest;

// --rootfs runs on a directory as it is: here one holding nothing but a static busybox.
TEST_F(Lv0Rootfs, RunsOnDirectoryAndWritesLandThere) {
  if (::access("/bin/busybox", X_OK) != 0) {
    GTEST_SKIP() << "needs a static busybox at /bin/busybox (Debian: apt install busybox-static)";
  }
  const lab::TempDir rootfs("pocker-lab-rootfs");
  const std::filesystem::path dir = rootfs.path();
  std::filesystem::create_directory(dir / "bin");
  std::filesystem::copy_file("/bin/busybox", dir / "bin/busybox");
  std::filesystem::permissions(dir / "bin/busybox", std::filesystem::perms(0755));
  std::filesystem::create_symlink("busybox", dir / "bin/sh");

  const lab::Outcome outcome =
      pocker.run({"run", "--rootfs", dir.string(), "/bin/sh", "-c", "echo hello > /made-inside; exit 7"});
  LAB_EXPECT_STATUS(outcome, 7, kRoot);
  LAB_EXPECT(lab::read_file((dir / "made-inside").string()) == "hello\n",
             "the file the container wrote, " + (dir / "made-inside").string() + ", to hold \"hello\\n\" on the host",
             outcome, kRoot);
}

}  // namespace
