#include "pocker/trace.hpp"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pocker {
namespace {

// A process-wide switch set once from the command line; children made by
// clone inherit it with the rest of memory.
bool g_trace = false;
bool g_timed = false;
bool g_reader_gone = false;

int64_t now_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Taken when the program is loaded: the clock of --trace-time starts here,
// and a cloned child keeps it, so its lines share the parent's timeline.
const int64_t g_start_ns = now_ns();

// trace_abbreviate()'s pairs; a handful at most.
std::vector<std::pair<std::string, std::string>>& abbreviations() {
  static std::vector<std::pair<std::string, std::string>> pairs;
  return pairs;
}

}  // namespace

bool trace_enabled() { return g_trace; }

void trace_abbreviate(std::string_view path, std::string_view name) {
  if (!g_trace || path.empty()) return;
  for (const auto& [known, shown] : abbreviations()) {
    if (known == path) return;
  }
  trace_line(fmt::format("{} = {}", name, path));  // said once, before it is used
  abbreviations().emplace_back(std::string(path), std::string(name));
}

namespace {

// `text` with every abbreviated path replaced by its name.
std::string abbreviated(std::string_view text) {
  std::string out(text);
  for (const auto& [path, name] : abbreviations()) {
    for (size_t at = out.find(path); at != std::string::npos; at = out.find(path, at + name.size())) {
      out.replace(at, path.size(), name);
    }
  }
  return out;
}

}  // namespace

void set_trace(bool on, bool timed) {
  g_trace = on;
  g_timed = on && timed;
}

void trace_line(std::string_view text) {
  std::string line = "+ ";
  if (g_timed) line += fmt::format("[{:8.3f} ms] ", static_cast<double>(now_ns() - g_start_ns) / 1e6);
  line.append(abbreviated(text));
  line.push_back('\n');
  // One write per line keeps lines whole when parent and child both trace.
  // Once the reader is gone (EPIPE: SIGPIPE is ignored), stop trying.
  if (g_reader_gone) return;
  if (::write(STDERR_FILENO, line.data(), line.size()) < 0 && errno == EPIPE) g_reader_gone = true;
}

}  // namespace pocker
