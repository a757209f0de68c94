// The build context is a boundary: a symlink in it that points outside is refused, and
// .dockerignore keeps files out of COPY.
#include <filesystem>
#include <fstream>
#include <string>

#include "build/build.hpp"
#include "build/hints.hpp"

namespace {

using lab::build::kContext;
using BuildContext = lab::build::BuildTest;

// The attack: a context that holds a symlink to a file of the host (here a canary outside the
// context). A builder that follows it copies the host's file into the image, where anyone who
// pulls the image reads it. The contrast shows the link is live: reading it on the host gets the
// canary, so only the builder's check stands between the Dockerfile and that file.
TEST_F(BuildContext, SymlinkOutOfTheContextIsRefused) {
  const std::string canary = dir_.path() + "/canary.txt";
  std::ofstream(canary) << "TOP-SECRET-CANARY\n";
  std::filesystem::create_directories(context());
  std::filesystem::create_symlink(canary, context() + "/secret");
  const lab::Outcome contrast = lab::run({"/bin/cat", context() + "/secret"});
  LAB_EXPECT_OUT_EQ(contrast, "TOP-SECRET-CANARY\n", kContext);

  const std::string tag = new_tag();
  const lab::Outcome built = build("FROM busybox\nCOPY secret /stolen.txt\n", {"-t", tag});
  LAB_EXPECT_STATUS(built, 125, kContext);
  LAB_EXPECT_POCKER_ERROR(built, "outside the build context", kContext);
  LAB_EXPECT_OUT_LACKS(pocker.run({"images"}), tag, kContext);
  // A directory that holds the link: the link itself may be copied, never what it points at.
  std::filesystem::create_directories(context() + "/dir");
  std::filesystem::create_symlink(canary, context() + "/dir/link");
  const lab::Outcome dir = build("FROM busybox\nCOPY dir /d\n", {"-t", tag});
  LAB_ASSERT_STATUS(dir, 0, kContext);
  const lab::Outcome read = pocker.run({"run", "--rm", tag, "sh", "-c", "cat /d/link; readlink /d/link"});
  LAB_EXPECT_OUT_LACKS(read, "TOP-SECRET-CANARY", kContext);
}

// Catches: .dockerignore not read, or read but not applied to directories copied whole.
TEST_F(BuildContext, DockerignoreKeepsFilesOut) {
  put("app/main.txt", "main\n");
  put("app/debug.log", "log\n");
  put("app/cache/big.bin", "big\n");
  put(".dockerignore", "# logs and caches stay home\n**/*.log\napp/cache\n");
  const std::string tag = new_tag();
  const lab::Outcome built = build("FROM busybox\nCOPY app /app\n", {"-t", tag});
  LAB_ASSERT_STATUS(built, 0, kContext);
  LAB_EXPECT_OUT_EQ(pocker.run({"run", "--rm", tag, "ls", "-A", "/app"}), "main.txt\n", kContext);
}

}  // namespace
