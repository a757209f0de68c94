// The operation lock (pocker/op_lock.hpp): it excludes a second holder, it is never inherited
// past execve, and an operation that waited for an `rm` learns that the container is gone.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "pocker/fs.hpp"
#include "pocker/op_lock.hpp"

namespace pocker {
namespace {

const std::string kId(64, 'a');

class OpLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = make_temp_dir("/tmp/pocker-op-lock-test-").value();
    store_ = StateStore(root_);
    ASSERT_TRUE(make_dirs(store_.dir(kId)));
  }
  void TearDown() override { (void)remove_tree(root_); }

  // Whether someone holds the lock: a try from a new open file description.
  bool locked() const {
    int fd = ::open((store_.dir(kId) + "/op.lock").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool busy = ::flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return busy;
  }

  std::string root_;
  StateStore store_{""};  // set in SetUp()
};

TEST_F(OpLockTest, HeldUntilReleased) {
  auto lock = OpLock::take(store_, kId);
  ASSERT_TRUE(lock) << lock.error().message();
  EXPECT_TRUE(locked());
  lock.value().release();
  EXPECT_FALSE(locked());
}

TEST_F(OpLockTest, ItsDescriptorIsCloseOnExec) {
  auto lock = OpLock::take(store_, kId);
  ASSERT_TRUE(lock);
  // Find it among our descriptors by the file it names.
  bool found = false;
  for (int fd = 0; fd < 1024; ++fd) {
    char target[4096];
    ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target);
    if (n <= 0 || std::string(target, static_cast<size_t>(n)) != store_.dir(kId) + "/op.lock") continue;
    found = true;
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC) << "fd " << fd;
  }
  EXPECT_TRUE(found);
}

TEST_F(OpLockTest, NoContainerNoLock) {
  auto lock = OpLock::take(store_, std::string(64, 'b'));
  ASSERT_FALSE(lock);
  EXPECT_NE(lock.error().message().find("no such container: bbbbbbbbbbbb"), std::string::npos)
      << lock.error().message();
}

// The waiter of an `rm` must not go on with a container that no longer exists.
TEST_F(OpLockTest, AWaiterLearnsOfTheRemoval) {
  auto held = OpLock::take(store_, kId);
  ASSERT_TRUE(held);
  std::atomic<bool> done{false};
  Result<OpLock> waited = user_error("not yet");
  std::thread waiter([&] {
    waited = OpLock::take(store_, kId);
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(done) << "the second take must wait for the first";
  ASSERT_TRUE(store_.remove(kId, ""));
  held.value().release();
  waiter.join();
  ASSERT_FALSE(waited);
  EXPECT_NE(waited.error().message().find("no such container"), std::string::npos) << waited.error().message();
  struct stat st;
  EXPECT_NE(::stat(store_.dir(kId).c_str(), &st), 0) << "the directory must be gone";
  EXPECT_NE(::stat((root_ + "/containers/.removing-" + kId).c_str(), &st), 0) << "and its renamed copy";
}

}  // namespace
}  // namespace pocker
