// --userns UID:COUNT, as root: the container gets a user namespace in which root (and every id up to
// COUNT-1) is a high uid outside. Each test uses its own host range, so tests in parallel never
// share one.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv1::kUser;

constexpr std::uint32_t kCount = 65536;

class Lv1Userns : public lab::LabTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "--userns is for root (rootless pocker always has a user namespace)";
  }

  // --userns START:65536, START picked from our pid: far above real users, different per process.
  std::string range() const { return std::to_string(start_) + ":" + std::to_string(kCount); }

  const std::uint32_t start_ = 200000 + static_cast<std::uint32_t>(::getpid() % 1000) * kCount;
};

// True when some line of a uid_map or gid_map reads "0 <outside> <count>", spaces as the kernel puts them.
bool maps_root_to(const std::string& map, unsigned long outside, unsigned long count) {
  for (const std::string& line : lab::lv1::lines_of(map)) {
    std::istringstream in(line);
    unsigned long inside = 0, out = 0, n = 0;
    std::string rest;
    if ((in >> inside >> out >> n) && !(in >> rest) && inside == 0 && out == outside && n == count) return true;
  }
  return false;
}

// Catches: --userns parsed but ignored (no user namespace: the maps are the host's "0 0 4294967295"),
// a map other than the one asked for, root inside that is not uid 0 (the child never became the
// namespace's root), and --rm that leaves the container's directory behind.
TEST_F(Lv1Userns, MapsRootToTheHostRange) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "--userns", range(), "busybox", "sh", "-c",
                                           "id -u; id -g; cat /proc/self/uid_map; echo gid; cat /proc/self/gid_map"});
  LAB_ASSERT_STATUS(outcome, 0, kUser);
  const std::string out = outcome.out;
  const size_t gid = out.find("gid\n");
  LAB_EXPECT(out.rfind("0\n0\n", 0) == 0, "id -u and id -g to print 0 (root inside)", outcome, kUser);
  LAB_EXPECT(maps_root_to(out.substr(0, gid), start_, kCount),
             "a uid_map line \"0 " + std::to_string(start_) + " " + std::to_string(kCount) + "\"", outcome, kUser);
  LAB_EXPECT(gid != std::string::npos && maps_root_to(out.substr(gid), start_, kCount),
             "a gid_map line \"0 " + std::to_string(start_) + " " + std::to_string(kCount) + "\"", outcome, kUser);
  const std::vector<std::string> left = lab::lv1::entries_of(pocker.root() + "/containers");
  LAB_EXPECT(left.empty(), "nothing under " + pocker.root() + "/containers after --rm; found: " +
                               lab::lv1::joined(left, ", "),
             outcome, kUser);
}

// Catches: files written through a -v volume by root inside landing as host root (no mapping), or as
// some other owner than the range's first uid; and ids other than root not mapped through the range.
TEST_F(Lv1Userns, VolumeFilesBelongToTheMappedUid) {
  lab::TempDir share("pocker-userns-share");
  // The container's root is START on the host: give it the directory, as an administrator would.
  ASSERT_EQ(::chown(share.path().c_str(), start_, start_), 0) << "chown " << share.path();
  const lab::Outcome outcome =
      pocker.run({"run", "--rm", "--userns", range(), "-v", share.path() + ":/share", "busybox", "sh", "-c",
                  "echo hi > /share/by-root && touch /share/by-1000 && chown 1000:1000 /share/by-1000"});
  LAB_EXPECT_STATUS(outcome, 0, kUser);
  struct stat st {};
  const std::string by_root = share.path() + "/by-root";
  const bool exists = ::stat(by_root.c_str(), &st) == 0;
  LAB_EXPECT(exists, by_root + " to exist on the host", outcome, kUser);
  if (exists) {
    LAB_EXPECT(st.st_uid == start_ && st.st_gid == start_,
               by_root + " owned by " + std::to_string(start_) + ":" + std::to_string(start_) + " (it has " +
                   std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) + ")",
               outcome, kUser);
  }
  const std::string by_1000 = share.path() + "/by-1000";
  if (::stat(by_1000.c_str(), &st) == 0) {
    LAB_EXPECT(st.st_uid == start_ + 1000,
               "uid 1000 inside to be " + std::to_string(start_ + 1000) + " outside (" + by_1000 + " has " +
                   std::to_string(st.st_uid) + ")",
               outcome, kUser);
  }
}

// Catches: an image that root inside cannot use: its files shown as nobody (65534) because host root
// is not in the map, or a root directory that root inside cannot write. (And that the map is really
// there: without it, host root would pass the rest.)
TEST_F(Lv1Userns, ImageBelongsToRootInside) {
  const lab::Outcome outcome =
      pocker.run({"run", "--rm", "--userns", range(), "busybox", "sh", "-c",
                  "stat -c %u:%g /bin/busybox /etc/passwd; echo x >> /etc/passwd && mkdir /new && "
                  "stat -c %u:%g /etc/passwd /new && echo written; cat /proc/self/uid_map"});
  LAB_EXPECT_STATUS(outcome, 0, kUser);
  LAB_EXPECT(outcome.out.rfind("0:0\n0:0\n0:0\n0:0\nwritten\n", 0) == 0,
             "four lines 0:0 (image files, a changed file, a new directory) and \"written\"", outcome, kUser);
  LAB_EXPECT(maps_root_to(outcome.out, start_, kCount), "a uid_map line \"0 " + std::to_string(start_) + " ...\"",
             outcome, kUser);
}

// Catches: --userns that makes no user namespace (the probe's inode is the host's), and a user
// namespace made without it (as root, the default shares the host's, like docker).
TEST_F(Lv1Userns, OwnUserNamespaceOnlyWithTheOption) {
  const std::uint64_t host = lab::lv1::host_ns_inode("user");
  ASSERT_NE(host, 0u) << "the test cannot stat its own /proc/self/ns/user";

  const nlohmann::json mapped = lab::probe(pocker, {"--userns", range()}, {"report"});
  ASSERT_TRUE(mapped.is_object()) << "the probe did not report (see above)";
  const std::uint64_t inside = lab::lv1::probe_ns_inode(mapped, "user");
  ASSERT_NE(inside, 0u) << "the probe reported no \"user\" namespace: " << mapped.value("ns", nlohmann::json());
  EXPECT_NE(inside, host) << "with --userns the container's user namespace is the host's (inode " << host
                          << ")\n  lesson: " << kUser;

  for (const std::vector<std::string>& flags : {std::vector<std::string>{}, {"--userns", "host"}}) {
    const nlohmann::json report = lab::probe(pocker, flags, {"report"});
    ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
    EXPECT_EQ(lab::lv1::probe_ns_inode(report, "user"), host)
        << "as root, " << (flags.empty() ? "the default" : "--userns host")
        << " must share the host's user namespace\n  lesson: " << kUser;
  }
}

// Catches: `exec` that does not join the user namespace (root there is host root: the map shows
// "0 0 4294967295"), or joins it without becoming its root (id -u prints 65534).
TEST_F(Lv1Userns, ExecJoinsTheUserNamespace) {
  const std::string name = lab::unique_name();
  const lab::Outcome started =
      pocker.run({"run", "-d", "--name", name, "--userns", range(), "busybox", "sleep", "60"});
  LAB_ASSERT_STATUS(started, 0, kUser);
  const lab::Outcome outcome =
      pocker.run({"exec", name, "sh", "-c", "id -u; touch /made-by-exec && stat -c %u /made-by-exec; cat /proc/self/uid_map"});
  LAB_EXPECT_STATUS(outcome, 0, kUser);
  LAB_EXPECT(outcome.out.rfind("0\n0\n", 0) == 0, "id -u and the new file's owner to be 0", outcome, kUser);
  LAB_EXPECT(maps_root_to(outcome.out, start_, kCount), "a uid_map line \"0 " + std::to_string(start_) + " ...\"",
             outcome, kUser);
  (void)pocker.run({"rm", "-f", name});
}

// Catches: `cp` into a stopped --userns container that writes as host root (the file then shows
// as nobody, 65534, inside): it must belong to the host ids that root inside maps to.
TEST_F(Lv1Userns, CpIntoStoppedContainerBelongsToRoot) {
  const std::string name = lab::unique_name();
  const lab::TempDir dir("pocker-userns-cp");
  const std::string file = dir.path() + "/copied";
  std::ofstream(file) << "hello\n";
  const lab::Outcome created = pocker.run({"run", "--name", name, "--userns", range(), "busybox", "sh", "-c",
                                           "stat -c %u:%g /copied 2>/dev/null; true"});
  LAB_ASSERT_STATUS(created, 0, kUser);
  const lab::Outcome copied = pocker.run({"cp", file, name + ":/copied"});
  LAB_EXPECT_STATUS(copied, 0, kUser);
  const lab::Outcome again = pocker.run({"start", "-a", name});
  LAB_EXPECT_STATUS(again, 0, kUser);
  LAB_EXPECT_OUT_EQ(again, "0:0\n", kUser);
  (void)pocker.run({"rm", "-f", name});
}

// Catches: cgroup limits lost with --userns (the cgroup must still be made and joined from outside).
TEST_F(Lv1Userns, LimitsStillApply) {
  if (lab::read_file("/proc/cgroups").find("pids") == std::string::npos) {
    GTEST_SKIP() << "the host has no pids cgroup controller";
  }
  // The map first, then the probe's one JSON line (exec: no extra task for the shell).
  const lab::Outcome outcome =
      pocker.run({"run", "--rm", "--userns", range(), "--pids-limit", "20", "busybox", "sh", "-c",
                  "cat /proc/self/uid_map; exec pocker-probe fork 100"});
  LAB_ASSERT_STATUS(outcome, 0, kUser);
  LAB_EXPECT(maps_root_to(outcome.out, start_, kCount), "a uid_map line \"0 " + std::to_string(start_) + " ...\"",
             outcome, kUser);
  const std::vector<std::string> lines = lab::lv1::lines_of(outcome.out);
  const nlohmann::json report =
      nlohmann::json::parse(lines.empty() ? std::string() : lines.back(), nullptr, false);
  const long long forked = report.is_object() ? report.value("forked", -1LL) : -1;
  const nlohmann::json first_error = report.is_object() ? report.value("first_error", nlohmann::json()) : nullptr;
  LAB_EXPECT(forked >= 0 && forked < 20 && first_error == "EAGAIN",
             "--pids-limit 20 to stop the probe's forks with EAGAIN under --userns too", outcome, kUser);
}

// Catches: a bad --userns value accepted (the container runs), refused with the wrong status or
// message, or refused after something was made (a container directory or a mount).
TEST_F(Lv1Userns, BadValueIsRefusedAndLeavesNothing) {
  for (const std::string bad : {"nonsense", "200000", "0:65536", "200000:0", "4294967295:10", "-5:10"}) {
    const lab::Outcome outcome = pocker.run({"run", "--rm", "--userns", bad, "busybox", "echo", "ran"});
    LAB_EXPECT_STATUS(outcome, 125, kUser);
    LAB_EXPECT_OUT_LACKS(outcome, "ran", kUser);
    LAB_EXPECT_POCKER_ERROR(outcome, "userns", kUser);
    const std::vector<std::string> left = lab::lv1::entries_of(pocker.root() + "/containers");
    LAB_EXPECT(left.empty(), "no container directory after a refused --userns " + bad + "; found: " +
                                 lab::lv1::joined(left, ", "),
               outcome, kUser);
    const std::vector<std::string> mounts = lab::lv1::host_mounts_mentioning(pocker.root());
    LAB_EXPECT(mounts.empty(), "no mount under " + pocker.root() + "; found:\n    " + lab::lv1::joined(mounts),
               outcome, kUser);
  }
}

}  // namespace
