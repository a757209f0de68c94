// diff and export: a container's writable layer (the overlay's upper directory) read as overlayfs
// reads it, and its whole file system as a tar that `import` turns back into an image.
// ps --filter and system df: the store seen as a whole.
#include <sys/stat.h>

#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "lifecycle/pty.hpp"
#include "support/expect.hpp"

namespace {

using lab::lifecycle::kFilter;
using lab::lifecycle::kLayer;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

using LifecycleDiff = lc::LifecycleTest;
using LifecycleExport = lc::LifecycleTest;
using LifecyclePsFilter = lc::LifecycleTest;

// Catches: a diff that lists nothing (or the whole image), one that misses deletions (the
// whiteout, a character device 0/0, read as a file), one that calls every file added (not
// looking at the image's layers) and one that forgets the copied-up parent directory.
TEST_F(LifecycleDiff, ListsWrittenAndDeletedFiles) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach(
      {"--name", name, "busybox", "sh", "-c", "echo new > /tmp/made; rm /etc/group; echo x >> /etc/passwd; touch /ready; sleep 60"});
  ASSERT_EQ(run.status, 0) << run.err;
  lab::Outcome diff;
  lc::eventually([&] {
    diff = pocker.run({"diff", name});
    return diff.out.find("A /ready") != std::string::npos;
  }, 10s);
  LAB_EXPECT_STATUS(diff, 0, kLayer);
  const auto lines = lc::lines_of(diff.out);
  auto has = [&](const std::string& line) { return std::find(lines.begin(), lines.end(), line) != lines.end(); };
  LAB_EXPECT(has("A /tmp/made"), "the new file as `A /tmp/made`", diff, kLayer);
  LAB_EXPECT(has("D /etc/group"), "the deleted file as `D /etc/group`", diff, kLayer);
  LAB_EXPECT(has("C /etc/passwd"), "the changed image file as `C /etc/passwd`", diff, kLayer);
  LAB_EXPECT(has("C /tmp"), "its directory, copied up from the image, as `C /tmp`", diff, kLayer);
  LAB_EXPECT(!has("A /bin/sh") && !has("C /bin/sh"), "no line for /bin/sh: the container never touched it", diff,
             kLayer);
}

// Catches: diff of a container that does not exist exiting 0 or printing lines.
TEST_F(LifecycleDiff, UnknownContainerFails) {
  const lab::Outcome diff = pocker.run({"diff", "no-such-" + lab::unique_name()});
  LAB_EXPECT_STATUS(diff, 125, kLayer);
  LAB_EXPECT_POCKER_ERROR(diff, "no such container", kLayer);
  LAB_EXPECT_OUT_EQ(diff, "", kLayer);
}

// Catches: an export that misses the container's own writes (the image's layers only) or keeps a
// deleted file, a tar that `import` cannot read, and one that drags in what is mounted on the
// container's root (the contents of /proc).
TEST_F(LifecycleExport, RoundTripsThroughImport) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c",
                                   "echo exported-$((6*7)) > /root/marker; rm /etc/group; touch /ready; sleep 60"});
  ASSERT_EQ(run.status, 0) << run.err;
  ASSERT_TRUE(lc::eventually([&] { return pocker.run({"diff", name}).out.find("A /ready") != std::string::npos; }, 10s));
  const std::string tar = root() + "/exported.tar";
  const lab::Outcome exported = pocker.run({"export", "-o", tar, name});
  LAB_ASSERT_STATUS(exported, 0, kLayer);
  const lab::Outcome listing = lab::run({"/bin/tar", "-tf", tar});
  LAB_EXPECT(listing.out.find("root/marker") != std::string::npos, "the tar to hold root/marker", listing, kLayer);
  LAB_EXPECT(listing.out.find("proc/self") == std::string::npos && listing.out.find("proc/1/") == std::string::npos,
             "the tar to hold /proc as an empty directory at most, not the container's processes", listing, kLayer);

  const std::string ref = "exported-" + lab::unique_name() + ":1";
  std::string lowered;
  for (char c : ref) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const lab::Outcome imported = pocker.run({"import", tar, lowered});
  LAB_ASSERT_STATUS(imported, 0, kLayer);
  const lab::Outcome again = pocker.run({"run", "--rm", lowered, "sh", "-c", "cat /root/marker; ls /etc/group || echo gone"});
  LAB_EXPECT_STATUS(again, 0, kLayer);
  LAB_EXPECT_OUT_HAS(again, "exported-42\n", kLayer);
  LAB_EXPECT_OUT_HAS(again, "gone\n", kLayer);
}

// Catches: an export that pours a tar onto a terminal (docker refuses), and a failed export that
// leaves a half-written -o file behind or exits 0.
TEST_F(LifecycleExport, RefusesATerminalAndBadInput) {
  const std::string name = lab::unique_name();
  const lab::Outcome run = detach({"--name", name, "busybox", "sleep", "60"});
  ASSERT_EQ(run.status, 0) << run.err;
  lc::PtySession onscreen(pocker.command({"export", name}));
  ASSERT_TRUE(onscreen.started());
  EXPECT_EQ(onscreen.wait_exit(20s), 125) << "`export` with a terminal as stdout to refuse (125)\n  the terminal showed: "
                                          << onscreen.screen() << "\n  lesson: " << kLayer;
  EXPECT_EQ(onscreen.screen().find("ustar"), std::string::npos) << "no tar on the terminal\n  lesson: " << kLayer;

  const std::string file = root() + "/never.tar";
  const lab::Outcome bad = pocker.run({"export", "-o", file, "no-such-" + lab::unique_name()});
  LAB_EXPECT_STATUS(bad, 125, kLayer);
  LAB_EXPECT_POCKER_ERROR(bad, "no such container", kLayer);
  struct stat st;
  EXPECT_NE(::stat(file.c_str(), &st), 0) << file << " not to be left behind\n  lesson: " << kLayer;
}

// Catches: filters ignored (everything listed), keys combined wrongly (two values of one key must
// be either, two keys both), a status filter that still hides stopped containers, and an ancestor
// filter that does not know the image by its short name.
TEST_F(LifecyclePsFilter, SelectsAndCombinesAsDocker) {
  const std::string up = lab::unique_name("up");
  const std::string down = lab::unique_name("down");
  ASSERT_EQ(detach({"--name", up, "busybox", "sleep", "60"}).status, 0);
  ASSERT_EQ(detach({"--name", down, "busybox", "true"}).status, 0);
  ASSERT_TRUE(lc::eventually([&] {
    return pocker.run({"ps", "-a", "--format", "{{.Names}} {{.State}}"}).out.find(down + " exited") != std::string::npos;
  }, 10s));
  auto names = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"ps", "--format", "{{.Names}}"});
    return pocker.run(args);
  };
  const lab::Outcome exited = names({"--filter", "status=exited"});
  LAB_EXPECT_OUT_EQ(exited, down + "\n", kFilter);
  const lab::Outcome either = names({"-a", "--filter", "name=" + up, "--filter", "name=" + down});
  LAB_EXPECT_OUT_HAS(either, up + "\n", kFilter);
  LAB_EXPECT_OUT_HAS(either, down + "\n", kFilter);
  const lab::Outcome both = names({"-a", "--filter", "name=" + up, "--filter", "status=exited"});
  LAB_EXPECT_OUT_EQ(both, "", kFilter);
  const lab::Outcome ancestor = names({"--filter", "ancestor=busybox"});
  LAB_EXPECT_OUT_EQ(ancestor, up + "\n", kFilter);
  const lab::Outcome other = names({"-a", "--filter", "ancestor=no-such-image"});
  LAB_EXPECT_OUT_EQ(other, "", kFilter);
  const lab::Outcome bad = pocker.run({"ps", "--filter", "colour=blue"});
  LAB_EXPECT_STATUS(bad, 125, kFilter);
  LAB_EXPECT_POCKER_ERROR(bad, "colour=blue", kFilter);

  // system df counts the same containers: two, one of them running.
  const lab::Outcome df = pocker.run({"system", "df"});
  LAB_EXPECT_STATUS(df, 0, kFilter);
  bool counted = false;
  for (const std::string& line : lc::lines_of(df.out)) {
    std::istringstream words(line);
    std::string type, total, active;
    words >> type >> total >> active;
    if (type == "Containers") counted = total == "2" && active == "1";
  }
  LAB_EXPECT(counted, "`system df` to count 2 containers, 1 active", df, kFilter);
}

}  // namespace
