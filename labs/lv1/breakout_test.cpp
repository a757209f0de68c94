// The classic chroot escape: chroot() without chdir(), then enough ".." to climb above the root.
// It works against a chroot-only container (--no-pivot) and must fail against pivot_root, which
// leaves no old root in the container's mount namespace to climb to.
#include <string>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv1::kBreakout;

class Lv1Breakout : public lab::LabTest {
 protected:
  // A file only the host has, at a path no other test uses: seeing it means the probe got out.
  void SetUp() override {
    marker_ = marker_dir_.path() + "/escaped-to-host";
    ASSERT_TRUE(lab::lv1::write_text(marker_, "host\n"));
  }
  lab::TempDir marker_dir_{"pocker-lab-breakout"};
  std::string marker_;
};

// Catches: pivot_root replaced by a plain chroot (or the old root left mounted after pivot_root):
// the probe then climbs out and sees the host's marker.
TEST_F(Lv1Breakout, PivotRootHolds) {
  const nlohmann::json report = lab::probe(pocker, {"--rm"}, {"breakout", marker_});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(report.value("chroot_ok", false), true)
      << "the escape was not even tried (chroot failed), so this proves nothing: " << report.dump()
      << "\n  lesson: " << kBreakout;
  EXPECT_EQ(report.value("escaped", true), false)
      << "the probe escaped the container's root and saw the host's " << marker_ << ": " << report.dump()
      << "\n  lesson: " << kBreakout;
}

// The other side of the lesson, and the check that the escape above was a real attempt: with
// --no-pivot (chroot only) it does get out. Catches: --no-pivot ignored (pivot_root used anyway), and
// a probe or image in which the escape could never work.
TEST_F(Lv1Breakout, NoPivotIsEscapable) {
  const nlohmann::json report = lab::probe(pocker, {"--rm", "--no-pivot"}, {"breakout", marker_});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(report.value("escaped", false), true)
      << "with --no-pivot (chroot only) the classic escape must reach the host's " << marker_ << ": "
      << report.dump() << "\n  lesson: " << kBreakout;
}

}  // namespace
