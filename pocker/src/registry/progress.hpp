// Internal to the registry module: docker's progress display, one row per
// blob. On a terminal the rows are redrawn in place (cursor up, clear the
// line); elsewhere each change of state is one plain line, so a log shows
// what happened without escape codes; quiet shows nothing.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "pocker/registry.hpp"

namespace pocker::registry {

/// The rows of one pull or push. Thread-safe: download threads update
/// their own row.
class Progress {
 public:
  /// Writes to `fd` in `mode`.
  Progress(ProgressMode mode, int fd) : mode_(mode), fd_(fd) {}

  /// A line of its own, not a row (`latest: Pulling from library/x`).
  /// Only before the first row or after finish().
  void line(const std::string& text);
  /// A new row for `id` (12 hex digits of a digest); returns its index.
  size_t add(const std::string& id, const std::string& state);
  /// A new state for a row (`Verifying Checksum`): always shown.
  void set(size_t row, const std::string& state);
  /// Bytes moved for a row: `verb` (Downloading, Pushing), `done` of
  /// `total`, and the rate since the row's first bytes. Redrawn at most
  /// ten times a second; plain lines show none of these.
  void bytes(size_t row, const char* verb, long long done, long long total);
  /// Draws the rows a last time.
  void finish();

 private:
  struct Row {
    std::string id;
    std::string state;
    std::chrono::steady_clock::time_point started{};
    bool timing = false;
  };
  void redraw_locked();
  void write_locked(const std::string& text);

  ProgressMode mode_;
  int fd_;
  std::mutex mu_;
  std::vector<Row> rows_;
  size_t drawn_ = 0;  // rows on screen, for the cursor-up of the next redraw
  std::chrono::steady_clock::time_point last_draw_{};
};

/// `12.3MB`, decimal units as docker shows them.
std::string human_bytes(long long bytes);

}  // namespace pocker::registry
