// The container's own view of its cgroup: /sys/fs/cgroup inside shows the container's cgroup (its
// limits at the top), read-only, as programs that size themselves by their limits expect.
#include <string>

#include "lv2/hints.hpp"
#include "lv2/host.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using lab::lv2::kView;

class Lv2View : public lab::LabTest {
 protected:
  void SetUp() override {
    if (!lab::lv2::controller_available("memory")) {
      GTEST_SKIP() << "the host has no memory cgroup controller, so no limit to look at";
    }
  }
};

// The limit file: memory.max on cgroup v2, memory/memory.limit_in_bytes on v1 and hybrid.
constexpr const char* kReadLimit =
    "if [ -e /sys/fs/cgroup/memory.max ]; then f=/sys/fs/cgroup/memory.max; "
    "else f=/sys/fs/cgroup/memory/memory.limit_in_bytes; fi; ";

// Catches: no cgroup file system at /sys/fs/cgroup in the container, or one whose root is the
// host's (or the parent's) cgroup instead of the container's own, where the limit is not.
TEST_F(Lv2View, OwnLimitAtTheTop) {
  const lab::Outcome outcome = pocker.run(
      {"run", "--rm", "--memory", "64m", "busybox", "sh", "-c", std::string(kReadLimit) + "cat $f"});
  LAB_EXPECT_STATUS(outcome, 0, kView);
  LAB_EXPECT_OUT_EQ(outcome, "67108864\n", kView);
}

// Catches: a writable cgroup mount, where root in the container could raise its own limit or make
// cgroups of its own.
TEST_F(Lv2View, ReadOnly) {
  const lab::Outcome outcome = pocker.run(
      {"run", "--rm", "--memory", "64m", "busybox", "sh", "-c",
       std::string(kReadLimit) +
           "echo 1073741824 > $f && echo raised; mkdir $(dirname $f)/inner && echo made; cat $f"});
  LAB_EXPECT_STATUS(outcome, 0, kView);
  LAB_EXPECT_OUT_EQ(outcome, "67108864\n", kView);
}

}  // namespace
