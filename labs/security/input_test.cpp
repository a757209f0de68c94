// Bad security input is pocker's own failure: exit 125, one `pocker: ` line that names the value
// (or the file), and nothing made: no container in `ps -a`, no cgroup directory in the trace.
// And the two --device labs: a device passed through works; a missing one is refused the same way.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lv2/host.hpp"
#include "security/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/fs.hpp"

namespace {

using namespace lab::security;

class SecurityInput : public lab::LabTest {
 protected:
  // `pocker --trace run --name N FLAGS busybox true`, refused as described above; `needle` must be
  // in the error line.
  void expect_refused(const std::vector<std::string>& flags, const std::string& needle, const char* hint) {
    const std::string name = lab::unique_name();
    std::vector<std::string> args{"--trace", "run", "--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"busybox", "true"});
    const lab::Outcome outcome = pocker.run(args);
    // Whatever a broken pocker made goes when this test ends.
    lab::lv2::Leftovers leftovers;
    leftovers.dirs(lab::lv2::cgroup_dirs_made(outcome.err));
    leftovers.pid(lab::lv2::container_pid(outcome.err));

    LAB_EXPECT_STATUS(outcome, 125, hint);
    std::vector<std::string> own_lines;  // stderr less the trace
    std::istringstream lines(outcome.err);
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("+ ")) own_lines.push_back(line);
    }
    const bool one_line = own_lines.size() == 1 && own_lines[0].starts_with("pocker: ");
    LAB_EXPECT(one_line, "exactly one stderr line besides the trace, starting \"pocker: \"", outcome, hint);
    LAB_EXPECT(one_line && own_lines[0].find(needle) != std::string::npos, "the error line to name " + needle,
               outcome, hint);
    const std::vector<std::string> mkdirs = lab::lv2::cgroup_mkdir_lines(outcome.err);
    LAB_EXPECT(mkdirs.empty(), "no cgroup directory made; the trace shows:\n    " + lab::lv2::joined(mkdirs),
               outcome, hint);
    const lab::Outcome ps = pocker.run({"ps", "-a", "-q"});
    LAB_EXPECT(ps.status == 0 && ps.out.empty(), "no container left in ps -a", ps, hint);
  }

  std::string write_profile(const std::string& text) {
    const std::string path = dir_.path() + "/profile.json";
    std::ofstream(path) << text;
    return path;
  }

  lab::TempDir dir_{"pocker-lab-seccomp"};
};

TEST_F(SecurityInput, UnknownCapability) {
  expect_refused({"--cap-add", "NOT_A_CAP"}, "NOT_A_CAP", kCaps);
}

TEST_F(SecurityInput, SeccompProfileNotJson) {
  const std::string path = write_profile("this is not json {");
  expect_refused({"--security-opt", "seccomp=" + path}, path, kSeccomp);
}

TEST_F(SecurityInput, SeccompProfileUnknownSyscall) {
  const std::string path = write_profile(
      R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_syscall_x"], "action": "SCMP_ACT_ERRNO"}]})");
  expect_refused({"--security-opt", "seccomp=" + path}, path, kSeccomp);
}

TEST_F(SecurityInput, MalformedDeviceCgroupRule) {
  expect_refused({"--device-cgroup-rule", "x 1:3 rwm"}, "x 1:3 rwm", kDevices);
}

TEST_F(SecurityInput, MissingDevice) {
  expect_refused({"--device", "/dev/does-not-exist"}, "/dev/does-not-exist", kDevices);
}

class SecurityDevice : public lab::LabTest {};

// Catches: --device not making the node, or the device cgroup not allowing what --device adds.
TEST_F(SecurityDevice, PassedDeviceWorks) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c",
                                           "test -c /dev/mynull && echo hi > /dev/mynull && echo usable"});
  LAB_EXPECT_STATUS(outcome, 0, kDevices);
  LAB_EXPECT_OUT_EQ(outcome, "usable\n", kDevices);
}

}  // namespace
