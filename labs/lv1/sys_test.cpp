// /sys inside the container is mounted read-only: it describes (and, writable, would let root
// change) the host's devices and kernel.
#include <sstream>
#include <string>

#include "lv1/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using lab::lv1::kMount;

using Lv1Sys = lab::LabTest;

// The mount options (field 6) of the mount at `point` in a mountinfo text, or "" if none.
std::string options_of(const std::string& mountinfo, const std::string& point) {
  std::istringstream lines(mountinfo);
  std::string line, found;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point, options;
    if (fields >> id >> parent >> dev >> root >> mount_point >> options && mount_point == point) {
      found = options;  // the last one wins: it is the one on top
    }
  }
  return found;
}

// Catches: sysfs mounted without MS_RDONLY (or not mounted at all). Checked from the mount table
// inside, never by writing to /sys: on a broken pocker such a write would change the host.
TEST_F(Lv1Sys, MountedReadOnly) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "busybox", "cat", "/proc/self/mountinfo"});
  LAB_EXPECT_STATUS(outcome, 0, kMount);
  const std::string options = options_of(outcome.out, "/sys");
  LAB_EXPECT(!options.empty(), "a mount at /sys in the container's /proc/self/mountinfo", outcome,
             kMount);
  LAB_EXPECT(options.rfind("ro", 0) == 0 && (options.size() == 2 || options[2] == ','),
             "the mount at /sys to be read-only (options starting with \"ro\"), not \"" + options + "\"",
             outcome, kMount);
}

}  // namespace
