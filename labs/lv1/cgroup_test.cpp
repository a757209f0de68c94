// A cgroup namespace: the container's own cgroup is the root of what it sees, so
// /proc/self/cgroup shows "/" and not where the host keeps it.
#include <string>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv1::kCgroup;

using Lv1Cgroup = lab::LabTest;

// Catches: no cgroup namespace (or one unshared before the container was put into its cgroup):
// /proc/self/cgroup then shows host paths like /pocker/<id> or the host's own place. On a host
// where the test itself sits at "/" in every hierarchy and pocker makes no cgroup of its own, this
// cannot tell; the Lv1Namespace.cgroup inode check still does.
TEST_F(Lv1Cgroup, OwnCgroupIsRoot) {
  const nlohmann::json report = lab::probe(pocker, {"--rm"}, {"report"});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  const nlohmann::json lines = report.value("cgroup", nlohmann::json::array());
  ASSERT_FALSE(lines.empty()) << "the probe read no /proc/self/cgroup\n  lesson: " << kCgroup;
  for (const nlohmann::json& line : lines) {
    const std::string text = line.is_string() ? line.get<std::string>() : "";
    // "hierarchy-id:controllers:path"; the path may itself hold ':'.
    const size_t first = text.find(':');
    const size_t second = first == std::string::npos ? first : text.find(':', first + 1);
    const std::string path = second == std::string::npos ? "(unparsed)" : text.substr(second + 1);
    EXPECT_EQ(path, "/") << "the container's /proc/self/cgroup line \"" << text
                         << "\" shows a path outside its cgroup namespace's root\n"
                         << "  host's /proc/self/cgroup:\n    "
                         << lab::lv1::joined(lab::lv1::lines_of(lab::read_file("/proc/self/cgroup")))
                         << "\n  lesson: " << kCgroup;
  }
}

}  // namespace
