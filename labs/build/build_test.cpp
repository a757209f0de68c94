// `pocker build` through the CLI: RUN steps in containers of their own, WORKDIR and ENV in later
// steps and in the image, stages and --target, COPY --from and --chown, FROM scratch, the cache,
// and what a failed or killed build leaves behind (nothing).
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>

#include "build/build.hpp"
#include "build/hints.hpp"
#include "images/images.hpp"

namespace {

using lab::build::kCache;
using lab::build::kRun;
using lab::build::kStages;
using lab::build::kWorkdir;
using BuildSteps = lab::build::BuildTest;
using BuildStages = lab::build::BuildTest;
using BuildCache = lab::build::BuildTest;
using BuildFailure = lab::build::BuildTest;

size_t count(const std::string& text, const std::string& word) {
  size_t n = 0;
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

// Catches: RUN steps sharing one shell (a `cd` that leaks into the next step), or a WORKDIR that is
// only a config field and not where each RUN starts.
TEST_F(BuildSteps, WorkdirPersistsAndRunCdDoesNot) {
  const std::string tag = new_tag();
  const lab::Outcome built = build(
      "FROM busybox\n"
      "WORKDIR /work\n"
      "RUN cd /tmp && pwd > /in-step.txt\n"
      "RUN pwd > /next-step.txt\n",
      {"-t", tag});
  LAB_ASSERT_STATUS(built, 0, kWorkdir);
  const lab::Outcome in_step = pocker.run({"run", "--rm", tag, "cat", "/in-step.txt"});
  LAB_EXPECT_OUT_EQ(in_step, "/tmp\n", kWorkdir);
  const lab::Outcome next = pocker.run({"run", "--rm", tag, "cat", "/next-step.txt"});
  LAB_EXPECT_OUT_EQ(next, "/work\n", kWorkdir);
  const lab::Outcome run = pocker.run({"run", "--rm", tag, "pwd"});
  LAB_EXPECT_OUT_EQ(run, "/work\n", kWorkdir);
}

// Catches: ENV applied to the final config only (a later RUN must see it) or only to RUNs (the
// image must keep it), and ARG leaking into the image.
TEST_F(BuildSteps, EnvReachesLaterRunsAndTheImage) {
  const std::string tag = new_tag();
  const lab::Outcome built = build(
      "FROM busybox\n"
      "ARG FLAVOUR=plain\n"
      "ENV GREETING=hello-from-env\n"
      "RUN echo \"$GREETING $FLAVOUR\" > /seen.txt\n",
      {"-t", tag, "--build-arg", "FLAVOUR=spicy"});
  LAB_ASSERT_STATUS(built, 0, kRun);
  LAB_EXPECT_OUT_EQ(pocker.run({"run", "--rm", tag, "cat", "/seen.txt"}), "hello-from-env spicy\n", kRun);
  const lab::Outcome env = pocker.run({"run", "--rm", tag, "sh", "-c", "echo $GREETING/$FLAVOUR"});
  LAB_EXPECT_OUT_EQ(env, "hello-from-env/\n", kRun);
}

// Catches: --target ignored (the later stage runs and fails), or every stage built whether the
// target needs it or not.
TEST_F(BuildStages, TargetBuildsOnlyWhatItNeeds) {
  const std::string tag = new_tag();
  const lab::Outcome built = build(
      "FROM busybox AS unused\n"
      "RUN echo unused-stage-ran && exit 8\n"
      "FROM busybox AS base\n"
      "RUN echo base > /base.txt\n"
      "FROM base AS development\n"
      "RUN echo dev > /dev.txt\n"
      "FROM base AS release\n"
      "RUN echo release-stage-ran && exit 9\n",
      {"-t", tag, "--target", "development"});
  LAB_ASSERT_STATUS(built, 0, kStages);
  LAB_EXPECT_OUT_LACKS(built, "unused-stage-ran", kStages);
  LAB_EXPECT_OUT_LACKS(built, "release-stage-ran", kStages);
  const lab::Outcome run = pocker.run({"run", "--rm", tag, "cat", "/base.txt", "/dev.txt"});
  LAB_EXPECT_OUT_EQ(run, "base\ndev\n", kStages);
  // Without --target the last stage is built (its failing RUN fails the build), and still not the
  // stage nothing needs.
  const lab::Outcome all = build_again({"-t", tag + "-all"});
  LAB_EXPECT_STATUS(all, 9, kStages);
  LAB_EXPECT_OUT_LACKS(all, "unused-stage-ran", kStages);
}

// Catches: COPY --from reading the build context instead of the stage or image (or a stage found
// by counting the stages built, not the stages written), and FROM scratch that is not empty (the
// static binary must be all there is).
TEST_F(BuildStages, CopyFromStageAndImageIntoScratch) {
  const std::string tag = new_tag();
  const lab::Outcome built = build(
      "FROM busybox AS unused\n"
      "RUN exit 3\n"
      "FROM busybox AS make\n"
      "RUN mkdir /out && echo made-in-stage > /out/made.txt\n"
      "FROM scratch\n"
      "COPY --from=make /out/made.txt /made.txt\n"
      "COPY --from=busybox /bin/busybox /bin/busybox\n"
      "ENTRYPOINT [\"/bin/busybox\"]\n"
      "CMD [\"cat\", \"/made.txt\"]\n",
      {"-t", tag});
  LAB_ASSERT_STATUS(built, 0, kStages);
  LAB_EXPECT_OUT_EQ(pocker.run({"run", "--rm", tag}), "made-in-stage\n", kStages);
  const lab::Outcome ls = pocker.run({"run", "--rm", tag, "ls", "/bin"});
  LAB_EXPECT_OUT_EQ(ls, "busybox\n", kStages);
}

// Catches: FROM scratch that still has a base below it, or a static binary copied without its mode.
TEST_F(BuildStages, ScratchRunsAStaticBinary) {
  std::error_code ec;
  if (!std::filesystem::exists("/bin/busybox", ec)) GTEST_SKIP() << "needs Debian's busybox-static";
  std::filesystem::create_directories(context(), ec);
  std::filesystem::copy_file("/bin/busybox", context() + "/busybox", ec);
  ASSERT_FALSE(ec) << ec.message();
  const std::string tag = new_tag();
  const lab::Outcome built = build(
      "FROM scratch\nCOPY busybox /busybox\nENTRYPOINT [\"/busybox\"]\nCMD [\"echo\", \"static ok\"]\n",
      {"-t", tag});
  LAB_ASSERT_STATUS(built, 0, kStages);
  LAB_EXPECT_OUT_EQ(pocker.run({"run", "--rm", tag}), "static ok\n", kStages);
  // /etc holds only the mount points of the container's own hosts, hostname and resolv.conf, as
  // docker makes them for a scratch image too.
  LAB_EXPECT_OUT_EQ(pocker.run({"run", "--rm", tag, "sh", "-c", "ls /"}), "busybox\ndev\netc\nproc\nsys\n", kStages);
}

// Catches: --chown ignored (files copied as root, or with the caller's owner).
TEST_F(BuildSteps, CopyChownSetsTheOwner) {
  put("data.txt", "data\n");
  const std::string tag = new_tag();
  const lab::Outcome built =
      build("FROM busybox\nCOPY --chown=1234:5678 data.txt /srv/data.txt\nCOPY data.txt /srv/root.txt\n", {"-t", tag});
  LAB_ASSERT_STATUS(built, 0, kRun);
  const lab::Outcome stat = pocker.run({"run", "--rm", tag, "stat", "-c", "%u:%g %n", "/srv/data.txt", "/srv/root.txt"});
  LAB_EXPECT_OUT_EQ(stat, "1234:5678 /srv/data.txt\n0:0 /srv/root.txt\n", kRun);
}

// The RUN commands print what their instruction text does not contain ($((40+2)) is 42 only
// once a shell ran it), so the progress lines, which show the instructions, never match.
// Catches: no cache (every RUN runs again), a key without the copied files' content (a change is
// missed), or a hit after the changed step (later steps must run again).
TEST_F(BuildCache, HitsThenMissesFromTheChangedStep) {
  const std::string tag = new_tag();
  put("a.txt", "one\n");
  const std::string dockerfile =
      "FROM busybox\n"
      "RUN echo step-one-$((40+2))\n"
      "COPY a.txt /a.txt\n"
      "RUN echo step-three-$((40+2)) && cat /a.txt > /b.txt\n";
  const lab::Outcome first = build(dockerfile, {"-t", tag});
  LAB_ASSERT_STATUS(first, 0, kCache);
  LAB_EXPECT_OUT_HAS(first, "step-three-42", kCache);
  const lab::Outcome second = build_again({"-t", tag});
  LAB_ASSERT_STATUS(second, 0, kCache);
  LAB_EXPECT_OUT_LACKS(second, "step-one-42", kCache);
  LAB_EXPECT_OUT_LACKS(second, "step-three-42", kCache);
  LAB_EXPECT(count(second.out, "CACHED") == 3, "3 steps CACHED on the second build", second, kCache);
  put("a.txt", "two\n");
  const lab::Outcome third = build_again({"-t", tag});
  LAB_ASSERT_STATUS(third, 0, kCache);
  LAB_EXPECT_OUT_LACKS(third, "step-one-42", kCache);
  LAB_EXPECT_OUT_HAS(third, "step-three-42", kCache);
  LAB_EXPECT(count(third.out, "CACHED") == 1, "only the first RUN CACHED after a.txt changed", third, kCache);
  LAB_EXPECT_OUT_EQ(pocker.run({"run", "--rm", tag, "cat", "/b.txt"}), "two\n", kCache);
  const lab::Outcome fresh = build_again({"-t", tag, "--no-cache"});
  LAB_EXPECT_OUT_HAS(fresh, "step-one-42", kCache);
  LAB_EXPECT(count(fresh.out, "CACHED") == 0, "no step CACHED with --no-cache", fresh, kCache);
}

// Catches: a failed RUN that exits 1 (or 0), keeps its container or a half-built image.
TEST_F(BuildFailure, FailingRunExitsWithItsCodeAndLeavesNothing) {
  const std::string tag = new_tag();
  const lab::Outcome built =
      build("FROM busybox\nRUN echo partial > /partial.txt && exit 7\nRUN echo never\n", {"-t", tag});
  LAB_EXPECT_STATUS(built, 7, kRun);
  LAB_EXPECT_ERR_HAS(built, "Dockerfile:2", kRun);
  LAB_EXPECT_OUT_LACKS(pocker.run({"images"}), tag, kRun);
  LAB_EXPECT_OUT_EQ(pocker.run({"ps", "-a", "-q"}), "", kRun);
  EXPECT_TRUE(container_dirs().empty()) << "container directories left: " << container_dirs().size();
  EXPECT_EQ(mounts_under_root(), "");
}

// Catches: a bad line found only when the build reaches it (after earlier steps ran).
TEST_F(BuildFailure, BadLineFailsBeforeAnythingRuns) {
  const lab::Outcome built = build("FROM busybox\nRUN echo first-step-ran\nCOPYY a b\n");
  LAB_EXPECT_STATUS(built, 125, kRun);
  LAB_EXPECT_POCKER_ERROR(built, "Dockerfile:3", kRun);
  LAB_EXPECT_OUT_LACKS(built, "first-step-ran", kRun);
}

// Catches: a RUN container that outlives a killed build (its pocker gone, nobody removes it), or a
// mount or cgroup of it that stays.
TEST_F(BuildFailure, KilledBuildLeavesNothingBehind) {
  put("Dockerfile", "FROM busybox\nRUN echo step-started-$((40+2)) && sleep 60\n");
  lab::Background bg(pocker.command({"build", context()}));
  ASSERT_TRUE(bg.wait_for_stdout("step-started-42", std::chrono::seconds(60))) << bg.out() << bg.err();
  const std::vector<std::string> ids = container_dirs();
  EXPECT_FALSE(ids.empty()) << "the RUN step runs in a container of the store";
  ::kill(bg.pid(), SIGKILL);
  bg.wait();
  // The next pocker command collects what the killed one left.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    (void)pocker.run({"ps", "-a"});
    gone = container_dirs().empty();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << "container directories left after the next pocker command";
  EXPECT_EQ(mounts_under_root(), "");
  for (const auto& id : ids) {
    const lab::Outcome cgroups = lab::run({"/usr/bin/find", "/sys/fs/cgroup", "-maxdepth", "5", "-name", "*" + id + "*"});
    EXPECT_EQ(cgroups.out, "") << "cgroups of the killed build's container are left";
  }
}

// Catches: ADD that copies a local tar instead of unpacking it, or that unpacks it without the safe
// unpacker (an entry named ../ must not land outside the destination, or outside the image).
TEST_F(BuildSteps, AddUnpacksALocalTarSafely) {
  using lab::images::make_tar;
  put("files.tar", make_tar({{"pkg", '5', ""}, {"pkg/a.txt", '0', "from the tar\n"}}));
  put("evil.tar", make_tar({{"../escaped.txt", '0', "out\n"}}));
  const std::string tag = new_tag();
  const lab::Outcome built = build("FROM busybox\nADD files.tar /opt/\n", {"-t", tag});
  LAB_ASSERT_STATUS(built, 0, kRun);
  LAB_EXPECT_OUT_EQ(pocker.run({"run", "--rm", tag, "cat", "/opt/pkg/a.txt"}), "from the tar\n", kRun);
  const lab::Outcome evil = build("FROM busybox\nADD evil.tar /opt/\n", {"-t", tag + "-evil"});
  LAB_EXPECT_STATUS(evil, 125, kRun);
  LAB_EXPECT_OUT_LACKS(pocker.run({"images"}), tag + "-evil", kRun);
}

}  // namespace
