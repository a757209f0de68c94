// The container's writes go to its own overlay layer, never to the image; --rm removes that layer
// and leaves no mount behind; without --rm the container's directory stays.
#include <string>
#include <vector>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using lab::lv1::kMount;

using Lv1Overlay = lab::LabTest;

// Catches: the image's directory used as the root directly (bind mount or chroot, no overlay):
// the first container's new file and deleted /bin/ls would then show in the second.
TEST_F(Lv1Overlay, WritesDoNotReachImage) {
  const lab::Outcome writer =
      pocker.run({"run", "busybox", "sh", "-c", "echo x > /bin/new-file && rm /bin/ls && echo done"});
  LAB_EXPECT_STATUS(writer, 0, kMount);
  LAB_EXPECT_OUT_EQ(writer, "done\n", kMount);

  const lab::Outcome reader =
      pocker.run({"run", "busybox", "sh", "-c", "test -e /bin/new-file; echo $?; test -e /bin/ls; echo $?"});
  LAB_EXPECT_STATUS(reader, 0, kMount);
  LAB_EXPECT_OUT_EQ(reader, "1\n0\n", kMount);
}

// Catches: --rm that keeps the container's directory (upper and work layers), and an overlay (or
// any other) mount made in the host's mount namespace and left there.
TEST_F(Lv1Overlay, RmLeavesNothing) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "busybox", "sh", "-c", "echo x > /left-behind"});
  LAB_EXPECT_STATUS(outcome, 0, kMount);
  const std::vector<std::string> left = lab::lv1::entries_of(pocker.root() + "/containers");
  LAB_EXPECT(left.empty(), "nothing under " + pocker.root() + "/containers after --rm; found: " +
                               lab::lv1::joined(left, ", "),
             outcome, kMount);
  const std::vector<std::string> mounts = lab::lv1::host_mounts_mentioning(pocker.root());
  LAB_EXPECT(mounts.empty(), "no mount under " + pocker.root() + " in the host's mountinfo; found:\n    " +
                                 lab::lv1::joined(mounts),
             outcome, kMount);
}

// Catches: a container's directory dropped without --rm (later levels need it for logs, start and
// commit), and a kept container that holds a mount on the host.
TEST_F(Lv1Overlay, KeptWithoutRm) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "true"});
  LAB_EXPECT_STATUS(outcome, 0, kMount);
  const std::vector<std::string> kept = lab::lv1::entries_of(pocker.root() + "/containers");
  LAB_EXPECT(kept.size() == 1, "one container directory under " + pocker.root() + "/containers; found: " +
                                   lab::lv1::joined(kept, ", "),
             outcome, kMount);
  const std::vector<std::string> mounts = lab::lv1::host_mounts_mentioning(pocker.root());
  LAB_EXPECT(mounts.empty(), "no mount under " + pocker.root() + " in the host's mountinfo; found:\n    " +
                                 lab::lv1::joined(mounts),
             outcome, kMount);
}

}  // namespace
