// A mount namespace and a root of its own: mounts made inside stay inside, / is an overlay of the
// image, the host's files are out of reach, and /proc and /dev are the container's, with the
// host-wide parts of /proc masked or read-only.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv1::kMount;
using lab::lv1::kPid;
using namespace std::chrono_literals;

using Lv1Mount = lab::LabTest;

// Catches: no mount namespace (or mounts propagating back to the host because the container's
// copy was not made private): the tmpfs mounted inside then shows in the host's mountinfo.
TEST_F(Lv1Mount, ContainerMountStaysInside) {
  const std::string source = lab::unique_name("tmpfs");  // the tmpfs's source name: unique on the host
  // The trap is set before "ready", so the SIGTERM below cannot arrive while PID 1 (which the
  // kernel spares from signals it has no handler for) is still unprepared.
  const std::string script = "trap 'exit 0' TERM; mkdir -p /mnt && mount -t tmpfs -o size=1m " + source +
                             " /mnt && echo ready && while true; do sleep 0.1; done";
  lab::RunOptions opts;
  opts.timeout = 40s;
  // Mounting takes CAP_SYS_ADMIN, which a container lacks by default (lessons/security): the test
  // gives it back, as `docker run --cap-add SYS_ADMIN` would, to see where the mount goes.
  lab::Background container =
      pocker.start({"run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", script}, opts);
  ASSERT_TRUE(container.wait_for_stdout("ready", 20s))
      << "expected \"ready\" on stdout within 20 s, once the container mounted its tmpfs\n"
      << "  stdout so far: " << container.out() << "\n  stderr so far: " << container.err()
      << "\n  lesson: " << kMount;

  const std::vector<std::string> while_running = lab::lv1::host_mounts_mentioning(source);
  EXPECT_TRUE(while_running.empty()) << "the container's tmpfs (source " << source
                                     << ") shows in the host's /proc/self/mountinfo while it runs:\n    "
                                     << lab::lv1::joined(while_running) << "\n  lesson: " << kMount;

  container.signal(SIGTERM);  // pocker forwards it to the shell, whose trap ends the container
  const lab::Outcome outcome = container.wait();
  LAB_EXPECT(!outcome.timed_out, "the container to end on SIGTERM", outcome, kMount);
  const std::vector<std::string> after = lab::lv1::host_mounts_mentioning(source);
  EXPECT_TRUE(after.empty()) << "the container's tmpfs (source " << source
                             << ") is still in the host's /proc/self/mountinfo after it ended:\n    "
                             << lab::lv1::joined(after) << "\n  lesson: " << kMount;
}

// Catches: the image's directory used as the root as it is (bound, or chrooted into) instead of an
// overlay with a per-container upper layer: one container's writes would change the image.
TEST_F(Lv1Mount, RootIsOverlayOfImage) {
  const nlohmann::json report = lab::probe(pocker, {"--rm"}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  std::string fstype = "(no mount on /)";
  for (const nlohmann::json& mount : report.value("mounts", nlohmann::json::array())) {
    if (mount.value("target", "") == "/") fstype = mount.value("fstype", "");  // the last one is on top
  }
  EXPECT_EQ(fstype, "overlay") << "an image's container must run on an overlay mount of the image\n"
                               << "  mounts: " << report.value("mounts", nlohmann::json()).dump()
                               << "\n  lesson: " << kMount;

  const lab::Outcome ls = pocker.run({"run", "--rm", "busybox", "ls", "-1", "/"});
  LAB_EXPECT_STATUS(ls, 0, kMount);
  LAB_EXPECT(lab::lv1::has_line(ls.out, "bin") && lab::lv1::has_line(ls.out, "etc"),
             "`ls -1 /` to list the image's bin and etc", ls, kMount);
}

// Catches: a container whose root is still the host's (no pivot_root or chroot at all).
TEST_F(Lv1Mount, HostFileNotVisible) {
  const lab::TempDir dir("pocker-lab-marker");
  const std::string marker = dir.path() + "/marker";
  ASSERT_TRUE(lab::lv1::write_text(marker, "host\n"));
  const nlohmann::json report = lab::probe(pocker, {"--rm"}, {"cat", marker});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(report.value("exists", true), false)
      << "the host's file " << marker << " is visible in the container: " << report.dump() << "\n  lesson: " << kMount;
}

using Lv1Proc = lab::LabTest;

// Catches: /proc/sys left writable: a root container could then retune the host's kernel.
TEST_F(Lv1Proc, SysIsReadOnly) {
  const nlohmann::json report = lab::probe(pocker, {"--rm"}, {"write", "/proc/sys/kernel/hostname", "x"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(report.value("errno", ""), "EROFS")
      << "writing /proc/sys/kernel/hostname must fail with EROFS: " << report.dump() << "\n  lesson: " << kPid;

  const lab::Outcome outcome =
      pocker.run({"run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sys/kernel/ns_last_pid"});
  LAB_EXPECT(outcome.status != 0 && outcome.status != -1, "writing /proc/sys/kernel/ns_last_pid to fail",
             outcome, kPid);
}

// Catches: /proc mounted without masking the files that describe the whole machine (kcore,
// keys, timer_list...): each must read as empty inside. Only files this host has (and can read
// from) are checked.
TEST_F(Lv1Proc, HostWideFilesMasked) {
  std::vector<std::string> present;
  for (const char* path : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
                           "/proc/latency_stats"}) {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char byte = 0;
    if (::read(fd, &byte, 1) == 1) present.push_back(path);
    ::close(fd);
  }
  if (present.empty()) GTEST_SKIP() << "this host has none of the files to mask, or they read as empty";

  std::vector<std::string> args{"run", "--rm", "busybox", "sh", "-c",
                                "for f; do printf '%s=' \"$f\"; head -c 1 \"$f\" 2>/dev/null | wc -c; done", "sh"};
  args.insert(args.end(), present.begin(), present.end());
  const lab::Outcome outcome = pocker.run(args);
  LAB_EXPECT_STATUS(outcome, 0, kPid);
  for (const std::string& path : present) {
    LAB_EXPECT(lab::lv1::has_line(outcome.out, path + "=0"), path + " to read as empty (masked) inside", outcome,
               kPid);
  }
}

using Lv1Dev = lab::LabTest;

// Catches: a /dev without the devices every program expects (a missing or wrong tmpfs /dev).
TEST_F(Lv1Dev, HasStandardDevices) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "busybox", "sh", "-c",
                                           "for d in null zero full random urandom tty; do "
                                           "test -c /dev/$d && echo $d; done"});
  LAB_EXPECT_STATUS(outcome, 0, kMount);
  LAB_EXPECT_OUT_EQ(outcome, "null\nzero\nfull\nrandom\nurandom\ntty\n", kMount);
}

// Catches: the host's /dev (devtmpfs) given to the container, disks and all: a root container could
// then read or write the host's block devices.
TEST_F(Lv1Dev, HostDisksAbsent) {
  std::string disk;
  for (const std::string& name : lab::lv1::entries_of("/dev")) {
    struct stat st {};
    if (::stat(("/dev/" + name).c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
      disk = "/dev/" + name;
      break;
    }
  }
  if (disk.empty()) GTEST_SKIP() << "this host's /dev has no block device to look for";

  const lab::Outcome outcome =
      pocker.run({"run", "--rm", "busybox", "sh", "-c", "test -e \"$1\" && echo present || echo absent", "sh", disk});
  LAB_EXPECT_STATUS(outcome, 0, kMount);
  LAB_EXPECT(outcome.out == "absent\n", "the host's block device " + disk + " to be absent from the container's /dev",
             outcome, kMount);
}

}  // namespace
