/// @file
/// @brief Fd: an owned file descriptor.
#pragma once

#include <utility>

namespace pocker {

/// Owns one file descriptor and closes it exactly once.
///
/// Move-only, with no implicit conversion to int, so ownership is always
/// visible in the code. close() is never retried on EINTR: on Linux the
/// descriptor is released even when close reports EINTR, and a retry could
/// close a descriptor another thread just opened.
class Fd {
 public:
  Fd() = default;
  /// Takes ownership of `fd` (-1 makes an empty Fd).
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }

  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  /// Takes over `other`'s descriptor; `other` is left empty.
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  /// Closes the descriptor held so far, then takes over `other`'s.
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }

  /// The raw descriptor, still owned by this object; -1 if empty.
  int get() const { return fd_; }
  /// True when a descriptor is held.
  bool valid() const { return fd_ >= 0; }
  /// Same as valid(), for `if (fd)`.
  explicit operator bool() const { return valid(); }

  /// Gives up ownership and returns the raw descriptor.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

  /// Closes the current descriptor (if any) and takes `fd` instead.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace pocker
