// The progress display (progress.hpp).
#include "progress.hpp"

#include "pocker/fs.hpp"

namespace pocker::registry {

std::string human_bytes(long long bytes) {
  if (bytes < 1000) return fmt::format("{}B", bytes);
  double value = static_cast<double>(bytes);
  const char* units[] = {"kB", "MB", "GB", "TB"};
  int unit = -1;
  while (value >= 1000 && unit < 3) {
    value /= 1000;
    ++unit;
  }
  return fmt::format("{:.1f}{}", value, units[unit]);
}

void Progress::write_locked(const std::string& text) {
  (void)write_all(fd_, text.data(), text.size());
}

void Progress::line(const std::string& text) {
  if (mode_ == ProgressMode::kQuiet) return;
  std::lock_guard<std::mutex> lock(mu_);
  write_locked(text + "\n");
}

size_t Progress::add(const std::string& id, const std::string& state) {
  std::lock_guard<std::mutex> lock(mu_);
  rows_.push_back(Row{id, state});
  if (mode_ == ProgressMode::kLines) write_locked(id + ": " + state + "\n");
  if (mode_ == ProgressMode::kTerminal) redraw_locked();
  return rows_.size() - 1;
}

void Progress::set(size_t row, const std::string& state) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rows_[row].state == state) return;
  rows_[row].state = state;
  if (mode_ == ProgressMode::kLines) write_locked(rows_[row].id + ": " + state + "\n");
  if (mode_ == ProgressMode::kTerminal) redraw_locked();
}

void Progress::bytes(size_t row, const char* verb, long long done, long long total) {
  if (mode_ != ProgressMode::kTerminal) return;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  Row& r = rows_[row];
  if (!r.timing) {
    r.timing = true;
    r.started = now;
  }
  double seconds = std::chrono::duration<double>(now - r.started).count();
  std::string rate = seconds > 0.05 ? human_bytes(static_cast<long long>(done / seconds)) + "/s" : "";
  r.state = fmt::format("{} {}/{} {}", verb, human_bytes(done), human_bytes(total), rate);
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  redraw_locked();
}

void Progress::redraw_locked() {
  last_draw_ = std::chrono::steady_clock::now();
  // Up to the first row drawn, then every row again, each line cleared
  // first (ESC[2K) so a shorter state leaves no tail of the longer one.
  std::string text;
  if (drawn_ > 0) text += fmt::format("\x1b[{}A", drawn_);
  for (const auto& r : rows_) text += "\r\x1b[2K" + r.id + ": " + r.state + "\n";
  drawn_ = rows_.size();
  write_locked(text);
}

void Progress::finish() {
  if (mode_ != ProgressMode::kTerminal) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (!rows_.empty()) redraw_locked();
  drawn_ = 0;
  rows_.clear();
}

}  // namespace pocker::registry
