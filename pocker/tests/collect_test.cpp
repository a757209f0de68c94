// collect_orphans(): a `--rm` container goes once nobody holds its lock, never before. flock(2)
// locks belong to an open file, so a second open in this same process stands in for another pocker.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "pocker/collect.hpp"
#include "pocker/fs.hpp"
#include "pocker/state.hpp"

namespace pocker {
namespace {

class Collect : public ::testing::Test {
 protected:
  void SetUp() override { root_ = make_temp_dir("/tmp/pocker-collect-test-").value(); }
  void TearDown() override { (void)remove_tree(root_); }

  static bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

  // What a pocker killed mid-run leaves: a name and a directory (no config.json yet).
  void make_container(StateStore& store, const std::string& id, const std::string& name) {
    ASSERT_TRUE(store.reserve_name(name, id));
    ASSERT_TRUE(make_dirs(store.dir(id), 0700));
  }

  std::string root_;
  // An id no real container on this host has, so its cgroup is surely absent.
  const std::string id_ = std::string(60, 'c') + "0123";
};

TEST_F(Collect, KeepsAContainerWhoseLockIsHeld) {
  StateStore store(root_);
  auto lock = lock_autoremove(store, id_);
  ASSERT_TRUE(lock) << lock.error().message();
  make_container(store, id_, "held");
  collect_orphans(store);
  EXPECT_TRUE(exists(store.dir(id_)));
  EXPECT_TRUE(exists(root_ + "/names/held"));
  EXPECT_TRUE(exists(store.autoremove_path(id_)));
}

TEST_F(Collect, RemovesAContainerWhoseLockIsGone) {
  StateStore store(root_);
  {
    auto lock = lock_autoremove(store, id_);  // closed at the end of the block, as by SIGKILL
    ASSERT_TRUE(lock) << lock.error().message();
    make_container(store, id_, "orphan");
  }
  collect_orphans(store);
  EXPECT_FALSE(exists(store.dir(id_)));
  EXPECT_FALSE(exists(root_ + "/names/orphan"));
  EXPECT_FALSE(exists(store.autoremove_path(id_)));
}

// Killed after the lock, before the name: only the lock file is left, and it goes too.
TEST_F(Collect, RemovesALockFileAlone) {
  StateStore store(root_);
  { ASSERT_TRUE(lock_autoremove(store, id_)); }
  collect_orphans(store);
  EXPECT_FALSE(exists(store.autoremove_path(id_)));
}

TEST_F(Collect, DropRemovesTheFile) {
  StateStore store(root_);
  auto lock = lock_autoremove(store, id_);
  ASSERT_TRUE(lock) << lock.error().message();
  lock.value().drop();
  EXPECT_FALSE(exists(store.autoremove_path(id_)));
}

TEST_F(Collect, NothingToDoWithoutTheDirectory) {
  StateStore store(root_);
  collect_orphans(store);
  EXPECT_FALSE(exists(root_ + "/autoremove"));
}

}  // namespace
}  // namespace pocker
