#include <errno.h>

#include <gtest/gtest.h>

#include "pocker/error.hpp"

namespace pocker {
namespace {

Result<int> half(int n) {
  if (n % 2) return user_error("{} is odd", n);
  return n / 2;
}

Result<int> quarter(int n) {
  int h = TRY_CTX(half(n), "quarter");
  return TRY(half(h));
}

TEST(Error, MessageAddsLowerCaseErrnoText) {
  Error e(ENOENT, "open /nope");
  EXPECT_EQ(e.message(), "open /nope: no such file or directory");
  EXPECT_EQ(e.err(), ENOENT);
}

TEST(Error, UserErrorHasNoErrno) {
  Error e = user_error("bad value {}", 7);
  EXPECT_EQ(e.err(), 0);
  EXPECT_EQ(e.message(), "bad value 7");
}

TEST(Error, SysErrorCapturesErrnoAtOnce) {
  errno = EACCES;
  Error e = sys_error("mkdir {}", "/x");
  EXPECT_EQ(e.err(), EACCES);
  EXPECT_EQ(e.what(), "mkdir /x");
}

TEST(Result, TryPassesValuesAndErrorsWithContext) {
  ASSERT_TRUE(quarter(8));
  EXPECT_EQ(quarter(8).value(), 2);
  auto odd = quarter(6);
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().message(), "3 is odd");
  auto first = quarter(5);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().message(), "quarter: 5 is odd");
}

TEST(Result, VoidWrapKeepsErrno) {
  Result<void> r = errno_error(EPERM, "chroot /x");
  auto wrapped = std::move(r).wrap("enter root");
  ASSERT_FALSE(wrapped);
  EXPECT_EQ(wrapped.error().err(), EPERM);
  EXPECT_EQ(wrapped.error().what(), "enter root: chroot /x");
  EXPECT_TRUE(ok());
}

}  // namespace
}  // namespace pocker
