#include "pocker/trace.hpp"

#include <unistd.h>

#include <string>

namespace pocker {
namespace {
// A process-wide switch set once from the command line; children made by
// clone inherit it with the rest of memory.
bool g_trace = false;
}  // namespace

bool trace_enabled() { return g_trace; }
void set_trace(bool on) { g_trace = on; }

void trace_line(std::string_view text) {
  std::string line = "+ ";
  line.append(text);
  line.push_back('\n');
  // One write per line keeps lines whole when parent and child both trace.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace pocker
