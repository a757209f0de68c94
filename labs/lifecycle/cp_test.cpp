// `pocker cp SRC DST`, with `C:PATH` on one side, copies between the host and a container's file
// system, running or stopped. A path inside the container is the container's: a symlink planted
// in it must be resolved against the container's root, never the host's.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kVolumes;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

class LifecycleCp : public lc::LifecycleTest {
 protected:
  ~LifecycleCp() override {
    // A cp that followed the container's symlink wrote onto the host: undo it (the test failed).
    if (!host_etc_.empty()) ::unlink(host_etc_.c_str());
  }

  void write_host_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  // Checks that cp of a host file to NAME:/trap/<file>, where the container made /trap a symlink
  // to /etc, left the host's /etc alone: the file is in the container's /etc, or cp refused.
  void expect_no_escape(const std::string& name) {
    const std::string file = "pocker-lab-cp-" + std::to_string(::getpid());
    host_etc_ = "/etc/" + file;
    write_host_file(dir_.path() + "/payload", "payload\n");
    // Refusing the symlink is a pass below, so first make sure cp works at all.
    const lab::Outcome plain = pocker.run({"cp", dir_.path() + "/payload", name + ":/payload"});
    LAB_ASSERT_STATUS(plain, 0, kVolumes);
    const lab::Outcome cp = pocker.run({"cp", dir_.path() + "/payload", name + ":/trap/" + file});
    struct stat st {};
    const bool escaped = ::lstat(host_etc_.c_str(), &st) == 0;
    LAB_EXPECT(!escaped,
               "cp into the container through its symlink /trap -> /etc not to write the host's " + host_etc_ +
                   " (the symlink must resolve inside the container's root)",
               cp, kVolumes);
    if (escaped || cp.status != 0) return;  // refusing is fine too
    // It worked: the file must then be in the container's own /etc.
    const lab::Outcome back = pocker.run({"cp", name + ":/etc/" + file, dir_.path() + "/back"});
    LAB_EXPECT_STATUS(back, 0, kVolumes);
    EXPECT_EQ(lab::read_file(dir_.path() + "/back"), "payload\n")
        << "cp said it copied to " << name << ":/trap/" << file << ", but the container's /etc/" << file
        << " does not have it\n  lesson: " << kVolumes;
  }

  lab::TempDir dir_{"pocker-lab-cp"};
  std::string host_etc_;
};

// Catches: cp missing, a container path taken as a host path, and a copy that loses the content.
TEST_F(LifecycleCp, IntoAndOutOfRunningContainer) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c", "echo made inside > /made; sleep 30"});
  LAB_ASSERT_STATUS(run, 0, kVolumes);
  write_host_file(dir_.path() + "/in", "from the host\n");

  const lab::Outcome in = pocker.run({"cp", dir_.path() + "/in", name + ":/tmp/in"});
  LAB_EXPECT_STATUS(in, 0, kVolumes);
  const lab::Outcome cat = pocker.run({"exec", name, "cat", "/tmp/in"});
  LAB_EXPECT_OUT_EQ(cat, "from the host\n", kVolumes);

  lc::eventually([&] { return pocker.run({"exec", name, "test", "-s", "/made"}).status == 0; }, 5s);
  const lab::Outcome out = pocker.run({"cp", name + ":/made", dir_.path() + "/out"});
  LAB_EXPECT_STATUS(out, 0, kVolumes);
  EXPECT_EQ(lab::read_file(dir_.path() + "/out"), "made inside\n") << "lesson: " << kVolumes;
}

// Catches: cp that only works while the container runs (through /proc/PID/root), when a stopped
// container's files are still there (its layer) and `start` must see what was copied in.
TEST_F(LifecycleCp, IntoAndOutOfStoppedContainer) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach(
      {"--name", name, "busybox", "sh", "-c", "if [ -f /in ]; then cat /in; else echo made inside > /made; fi"});
  LAB_ASSERT_STATUS(run, 0, kVolumes);
  pocker.run({"wait", name});

  const lab::Outcome out = pocker.run({"cp", name + ":/made", dir_.path() + "/out"});
  LAB_EXPECT_STATUS(out, 0, kVolumes);
  EXPECT_EQ(lab::read_file(dir_.path() + "/out"), "made inside\n") << "lesson: " << kVolumes;

  write_host_file(dir_.path() + "/in", "copied while stopped\n");
  const lab::Outcome in = pocker.run({"cp", dir_.path() + "/in", name + ":/in"});
  LAB_EXPECT_STATUS(in, 0, kVolumes);
  const lab::Outcome started = pocker.run({"start", "-a", name});
  LAB_EXPECT_STATUS(started, 0, kVolumes);
  LAB_EXPECT_OUT_EQ(started, "copied while stopped\n", kVolumes);
}

// Catches: cp into a running container that resolves the container path on the host side
// (<rootfs>/trap/x with the kernel following /trap -> /etc on the host).
TEST_F(LifecycleCp, SymlinkDoesNotEscapeRunning) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c", "ln -s /etc /trap; echo ready; sleep 30"});
  LAB_ASSERT_STATUS(run, 0, kVolumes);
  const lab::Outcome logs = logs_until(name, "ready");
  LAB_ASSERT(logs.out.find("ready") != std::string::npos, "the container to make its symlink", logs, kVolumes);
  expect_no_escape(name);
}

// The same on a stopped container, where pocker can only reach the files from the host side.
TEST_F(LifecycleCp, SymlinkDoesNotEscapeStopped) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "ln", "-s", "/etc", "/trap"});
  LAB_ASSERT_STATUS(run, 0, kVolumes);
  pocker.run({"wait", name});
  expect_no_escape(name);
}

// Catches: cp out of a container that follows a symlink the container planted to a host path
// (it would hand the host's file to whoever controls the container). docker copies the link
// itself; following it inside the container's root is fine too; reading the host's file is not.
TEST_F(LifecycleCp, SymlinkOutDoesNotReadHost) {
  write_host_file(dir_.path() + "/secret", "host secret\n");
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "ln", "-s", dir_.path() + "/secret", "/leak"});
  LAB_ASSERT_STATUS(run, 0, kVolumes);
  pocker.run({"wait", name});

  // Refusing the symlink is a pass below, so first make sure cp out works at all.
  const lab::Outcome plain = pocker.run({"cp", name + ":/etc/passwd", dir_.path() + "/passwd"});
  LAB_ASSERT_STATUS(plain, 0, kVolumes);
  const std::string out = dir_.path() + "/out";
  const lab::Outcome cp = pocker.run({"cp", name + ":/leak", out});
  struct stat st {};
  const bool is_link = ::lstat(out.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
  LAB_EXPECT(is_link || lab::read_file(out).find("host secret") == std::string::npos,
             "cp of the container's symlink /leak not to copy the host file it names", cp, kVolumes);
}

}  // namespace
