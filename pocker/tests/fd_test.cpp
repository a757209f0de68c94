#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pocker/fd.hpp"

namespace pocker {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

TEST(Fd, ClosesOnDestruction) {
  int raw;
  {
    Fd fd(::open("/dev/null", O_RDONLY));
    raw = fd.get();
    ASSERT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(Fd, MoveTransfersOwnership) {
  Fd a(::open("/dev/null", O_RDONLY));
  int raw = a.get();
  Fd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): testing the moved-from state
  EXPECT_EQ(b.get(), raw);
  Fd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

TEST(Fd, ReleaseGivesUpOwnership) {
  int raw;
  {
    Fd fd(::open("/dev/null", O_RDONLY));
    raw = fd.release();
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
}

TEST(Fd, ResetClosesTheOldDescriptor) {
  Fd fd(::open("/dev/null", O_RDONLY));
  int old = fd.get();
  fd.reset(::open("/dev/null", O_RDONLY));
  EXPECT_FALSE(is_open(old) && old != fd.get());
  EXPECT_TRUE(fd.valid());
}

}  // namespace
}  // namespace pocker
