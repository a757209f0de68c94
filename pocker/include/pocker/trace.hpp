/// @file
/// @brief --trace: print each kernel-level step as it happens.
///
/// Teaching feature: `pocker --trace run ...` shows every syscall and file
/// write that makes up a container, with its arguments and result.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace pocker {

/// Whether --trace is on for this process (and its children, which inherit it).
bool trace_enabled();
/// Turns --trace on or off. The CLI sets it once, before any clone, so every
/// child inherits the setting with the rest of its memory. `timed`
/// (--trace-time): each line also says when, in milliseconds since pocker
/// started, so the trace doubles as a profile of a container start.
void set_trace(bool on, bool timed = false);

/// Writes one line `+ <text>` to stderr with a single write(2), so lines
/// from the parent and the child do not interleave mid-line.
void trace_line(std::string_view text);

/// From now on, trace lines show `path` as `name` (the container's
/// directory as `$C`), so a lesson's trace fits a page; the first call
/// prints `name = path` once. Later calls add more; children inherit them.
void trace_abbreviate(std::string_view path, std::string_view name);

/// Formats and writes one trace line if --trace is on.
template <typename... Args>
void trace(fmt::format_string<Args...> format, Args&&... args) {
  if (trace_enabled()) trace_line(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace pocker
