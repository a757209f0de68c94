#include <errno.h>
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

}  // namespace
}  // namespace pocker
