// `pocker commit`: a container's writes (and deletions) become a layer of a new image.
#include <string>

#include "build/build.hpp"
#include "build/hints.hpp"

namespace {

using lab::build::kLayer;
using BuildCommit = lab::build::BuildTest;

// Catches: a commit that loses the container's files, keeps a deleted file (no whiteout in the
// layer), or ignores --change.
TEST_F(BuildCommit, WritesAndDeletionsBecomeALayer) {
  const std::string name = lab::unique_name();
  const std::string tag = new_tag();
  LAB_ASSERT_STATUS(pocker.run({"run", "--name", name, "busybox", "sh", "-c",
                                "echo kept > /kept.txt && rm /bin/vi && mkdir -p /etc/x"}),
                    0, kLayer);
  const lab::Outcome commit =
      pocker.run({"commit", "-c", "CMD [\"cat\", \"/kept.txt\"]", "-m", "by the lab", name, tag});
  LAB_ASSERT_STATUS(commit, 0, kLayer);
  LAB_EXPECT(commit.out.rfind("sha256:", 0) == 0, "the new image id on stdout", commit, kLayer);
  LAB_EXPECT_OUT_EQ(pocker.run({"run", "--rm", tag}), "kept\n", kLayer);
  const lab::Outcome vi = pocker.run({"run", "--rm", tag, "sh", "-c", "test -e /bin/vi && echo still-there || echo gone"});
  LAB_EXPECT_OUT_EQ(vi, "gone\n", kLayer);
  (void)pocker.run({"rm", "-f", name});
  LAB_EXPECT_STATUS(pocker.run({"commit", "no-such-container-" + name}), 125, kLayer);
}

}  // namespace
