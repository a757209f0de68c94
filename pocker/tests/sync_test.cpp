#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pocker/process.hpp"
#include "pocker/sync.hpp"

namespace pocker {
namespace {

TEST(Sync, ErrorTravelsWithErrno) {
  auto pair = make_sync_pair().value();
  pair.child.send_error(SyncStage::kExec, errno_error(ENOENT, "exec \"x\""));
  auto message = pair.parent.recv().value();
  ASSERT_TRUE(message);
  EXPECT_EQ(message->type, SyncMessage::Type::kError);
  EXPECT_EQ(message->stage, SyncStage::kExec);
  EXPECT_EQ(message->err, ENOENT);
  EXPECT_STREQ(message->text, "exec \"x\"");
}

TEST(Sync, ClosingTheOtherEndIsEof) {
  auto pair = make_sync_pair().value();
  pair.child.close();
  auto message = pair.parent.recv();
  ASSERT_TRUE(message);
  EXPECT_FALSE(message.value().has_value());
}

TEST(Sync, ExecClosesTheChildEnd) {
  // The end is close-on-exec: a successful exec reads as EOF in the parent.
  auto pair = make_sync_pair().value();
  auto child = spawn(CloneOptions{}, [&] {
    pair.parent.close();
    (void)pair.child.expect(SyncMessage::Type::kGo);
    (void)exec_in_path({"true"}, {}, "/bin:/usr/bin");
    return 99;
  });
  ASSERT_TRUE(child);
  pair.child.close();
  ASSERT_TRUE(pair.parent.send(SyncMessage{SyncMessage::Type::kGo}));
  auto message = pair.parent.recv().value();
  EXPECT_FALSE(message.has_value());
  EXPECT_EQ(child.value().wait().value().code, 0);
}

TEST(Sync, ExpectTurnsAnErrorMessageIntoAnError) {
  auto pair = make_sync_pair().value();
  pair.child.send_error(SyncStage::kSetup, errno_error(EPERM, "chroot /x"));
  auto r = pair.parent.expect(SyncMessage::Type::kGo);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().err(), EPERM);
  EXPECT_EQ(r.error().what(), "chroot /x");
}

// die_with_parent(): a child whose pocker is already gone (its end of the
// channel hung up, even with kGo still unread in it) exits at once with 125;
// one whose pocker lives goes on.
int child_status_after_die_with_parent(bool parent_gone) {
  auto pair = make_sync_pair().value();
  int gate[2];
  if (::pipe(gate) < 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    pair.parent.close();
    ::close(gate[1]);
    char c;
    (void)::read(gate[0], &c, 1);  // until the parent has done its part
    die_with_parent(pair.child);
    ::_exit(0);
  }
  ::close(gate[0]);
  pair.child.close();
  (void)pair.parent.send(SyncMessage{SyncMessage::Type::kGo});
  if (parent_gone) pair.parent.close();
  ::close(gate[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Sync, DieWithParentExitsWhenPockerIsAlreadyGone) {
  EXPECT_EQ(child_status_after_die_with_parent(true), 125);
  EXPECT_EQ(child_status_after_die_with_parent(false), 0);
}

}  // namespace
}  // namespace pocker
