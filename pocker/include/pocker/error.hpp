/// @file
/// @brief Error and Result: how failures travel up through the core.
///
/// Every failure carries the errno it came from (0 when it is not a system
/// error) and a lower-case message that names the path or value involved.
/// Callers add context on the way up, so the user sees one line such as
/// `prepare rootfs: mkdir /var/lib/pocker/x: permission denied`.
#pragma once

#include <cerrno>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace pocker {

/// A failure: an errno value (0 if none) and a message.
class Error {
 public:
  /// An error with errno `err` (0 if none) and message `what`. Prefer
  /// sys_error(), errno_error() and user_error(), which format the text.
  Error(int err, std::string what) : err_(err), what_(std::move(what)) {}

  /// The errno value, or 0 for errors that are not system errors.
  int err() const { return err_; }
  /// The message without the errno text.
  const std::string& what() const { return what_; }
  /// The full one-line message: `what: strerror(err)`.
  std::string message() const;

  /// Prepends `context: ` to the message, keeping errno.
  Error wrap(const std::string& context) &&;

 private:
  int err_;
  std::string what_;
};

/// Builds an Error from the current errno. Call it right after the failing call.
template <typename... Args>
Error sys_error(fmt::format_string<Args...> format, Args&&... args) {
  int saved = errno;
  return Error(saved, fmt::format(format, std::forward<Args>(args)...));
}

/// Builds an Error from an explicit errno value.
template <typename... Args>
Error errno_error(int err, fmt::format_string<Args...> format, Args&&... args) {
  return Error(err, fmt::format(format, std::forward<Args>(args)...));
}

/// Builds an Error that is not a system error (bad input, missing image, ...).
template <typename... Args>
Error user_error(fmt::format_string<Args...> format, Args&&... args) {
  return Error(0, fmt::format(format, std::forward<Args>(args)...));
}

/// A value or an Error. C++20 has no std::expected, so this is a small one.
template <typename T>
class [[nodiscard]] Result {
 public:
  /// Success. Implicit, so a function can simply `return value;`.
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  /// Failure. Implicit, so a function can `return sys_error(...);`.
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  /// True on success, for `if (auto r = f(); !r) ...`.
  explicit operator bool() const { return v_.index() == 0; }
  /// True on success.
  bool ok() const { return v_.index() == 0; }

  /// The value; only when ok() (otherwise std::bad_variant_access).
  T& value() & { return std::get<0>(v_); }
  /// The value; only when ok() (otherwise std::bad_variant_access).
  const T& value() const& { return std::get<0>(v_); }
  /// Moves the value out; only when ok(). TRY() uses this one.
  T&& value() && { return std::get<0>(std::move(v_)); }

  /// The error; only when !ok().
  const Error& error() const& { return std::get<1>(v_); }
  /// Moves the error out, to return it further up; only when !ok().
  Error&& error() && { return std::get<1>(std::move(v_)); }

  /// Adds context to the error, if any; the value passes through.
  Result wrap(const std::string& context) && {
    if (ok()) return std::move(*this);
    return std::move(*this).error().wrap(context);
  }

 private:
  std::variant<T, Error> v_;
};

/// Result of an operation that returns nothing on success.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  /// Failure. Implicit, so a function can `return sys_error(...);`.
  Result(Error error) : e_(std::move(error)) {}  // NOLINT: implicit by design

  /// True on success.
  explicit operator bool() const { return !e_; }
  /// True on success.
  bool ok() const { return !e_; }
  /// Nothing; exists so that TRY() works the same on Result<void>.
  void value() const {}
  /// The error; only when !ok().
  const Error& error() const& { return *e_; }
  /// Moves the error out, to return it further up; only when !ok().
  Error&& error() && { return std::move(*e_); }

  /// Adds context to the error, if any; success passes through.
  Result wrap(const std::string& context) && {
    if (ok()) return {};
    return std::move(*e_).wrap(context);
  }

 private:
  std::optional<Error> e_;
};

/// Shorthand for success in functions returning Result<void>.
inline Result<void> ok() { return {}; }

}  // namespace pocker

/// Evaluates a Result expression; on error returns the error from the
/// enclosing function, otherwise yields the value. Uses a GNU statement
/// expression, which g++ and clang both support.
#define TRY(expr)                                        \
  ({                                                     \
    auto&& try_result_ = (expr);                         \
    if (!try_result_) return std::move(try_result_).error(); \
    std::move(try_result_).value();                      \
  })

/// Like TRY, but prepends `context` to the error on the way up.
#define TRY_CTX(expr, context)                                            \
  ({                                                                      \
    auto&& try_result_ = (expr);                                          \
    if (!try_result_) return std::move(try_result_).error().wrap(context); \
    std::move(try_result_).value();                                       \
  })
