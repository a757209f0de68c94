// Helpers shared by all probe commands: errno/signal names, number parsing,
// small text utilities, file reading and JSON output.
#include "probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace probe {

namespace {

struct Named {
  int value;
  const char* name;
};

// Our own table rather than strerrorname_np(): it is glibc-only and the labs
// only ever need the common names. EWOULDBLOCK and ENOTSUP are aliases of
// EAGAIN and EOPNOTSUPP on Linux, so they would never be reached.
constexpr Named kErrnoNames[] = {
    {EPERM, "EPERM"},        {ENOENT, "ENOENT"},       {ESRCH, "ESRCH"},
    {EINTR, "EINTR"},        {EIO, "EIO"},             {ENXIO, "ENXIO"},
    {E2BIG, "E2BIG"},        {ENOEXEC, "ENOEXEC"},     {EBADF, "EBADF"},
    {ECHILD, "ECHILD"},      {EAGAIN, "EAGAIN"},       {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},      {EFAULT, "EFAULT"},       {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},      {EXDEV, "EXDEV"},         {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"},    {EISDIR, "EISDIR"},       {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},      {EMFILE, "EMFILE"},       {ENOTTY, "ENOTTY"},
    {ETXTBSY, "ETXTBSY"},    {EFBIG, "EFBIG"},         {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},      {EROFS, "EROFS"},         {EMLINK, "EMLINK"},
    {EPIPE, "EPIPE"},        {ERANGE, "ERANGE"},       {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOSYS, "ENOSYS"},      {ENOTEMPTY, "ENOTEMPTY"}, {ELOOP, "ELOOP"},
    {EIDRM, "EIDRM"},        {EOPNOTSUPP, "EOPNOTSUPP"}, {EDQUOT, "EDQUOT"},
    {EOVERFLOW, "EOVERFLOW"},
};

// Standard signals only; real-time signals can still be given by number.
constexpr Named kSignalNames[] = {
    {SIGHUP, "HUP"},     {SIGINT, "INT"},       {SIGQUIT, "QUIT"},   {SIGILL, "ILL"},
    {SIGTRAP, "TRAP"},   {SIGABRT, "ABRT"},     {SIGBUS, "BUS"},     {SIGFPE, "FPE"},
    {SIGKILL, "KILL"},   {SIGUSR1, "USR1"},     {SIGSEGV, "SEGV"},   {SIGUSR2, "USR2"},
    {SIGPIPE, "PIPE"},   {SIGALRM, "ALRM"},     {SIGTERM, "TERM"},   {SIGCHLD, "CHLD"},
    {SIGCONT, "CONT"},   {SIGSTOP, "STOP"},     {SIGTSTP, "TSTP"},   {SIGTTIN, "TTIN"},
    {SIGTTOU, "TTOU"},   {SIGURG, "URG"},       {SIGXCPU, "XCPU"},   {SIGXFSZ, "XFSZ"},
    {SIGVTALRM, "VTALRM"}, {SIGPROF, "PROF"},   {SIGWINCH, "WINCH"}, {SIGIO, "IO"},
    {SIGPWR, "PWR"},     {SIGSYS, "SYS"},
};

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::string errno_name(int err) {
  for (const auto& entry : kErrnoNames) {
    if (entry.value == err) return entry.name;
  }
  return std::to_string(err);
}

std::string error_text(int err) { return std::strerror(err); }

std::optional<int> parse_signal(std::string_view text) {
  long long number = 0;
  if (parse_int(text, number)) {
    if (number < 1 || number > SIGRTMAX) return std::nullopt;
    return static_cast<int>(number);
  }
  std::string name = upper(text);
  if (name.starts_with("SIG")) name.erase(0, 3);
  for (const auto& entry : kSignalNames) {
    if (name == entry.name) return entry.value;
  }
  return std::nullopt;
}

bool parse_int(std::string_view text, long long& out) {
  bool negative = false;
  if (text.starts_with('-')) {
    negative = true;
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    base = 16;
    text.remove_prefix(2);
  }
  // from_chars on an unsigned type rejects any further sign characters.
  unsigned long long magnitude = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, magnitude, base);
  if (text.empty() || ec != std::errc{} || ptr != end) return false;
  if (magnitude > static_cast<unsigned long long>(LLONG_MAX)) return false;
  out = negative ? -static_cast<long long>(magnitude) : static_cast<long long>(magnitude);
  return true;
}

bool parse_size(std::string_view text, unsigned long long& out) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) return false;

  unsigned long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc{}) return false;

  std::string suffix = upper(text.substr(digits));
  unsigned shift = 0;
  if (suffix == "K") shift = 10;
  else if (suffix == "M") shift = 20;
  else if (suffix == "G") shift = 30;
  else if (!suffix.empty()) return false;

  if (value > (ULLONG_MAX >> shift)) return false;  // would overflow
  out = value << shift;
  return true;
}

bool parse_seconds(std::string_view text, double& out) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return false;
  if (std::isnan(value) || value < 0) return false;
  out = value;
  return true;
}

std::string trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty()) lines.emplace_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    std::size_t start = pos;
    while (pos < text.size() && !is_space(text[pos])) ++pos;
    if (pos > start) words.emplace_back(text.substr(start, pos - start));
  }
  return words;
}

std::optional<std::string> read_file(const std::string& path, int* err) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (err) *err = errno;
    return std::nullopt;
  }
  std::string content;
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      content.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      if (err) *err = errno;
      close(fd);
      return std::nullopt;
    }
  }
  close(fd);
  return content;
}

std::optional<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (!dir) return std::nullopt;
  std::vector<std::string> names;
  while (const dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

json environment() {
  json env = json::object();
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text = *entry;
    std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;  // malformed; nothing to name
    // emplace keeps the first duplicate, matching what getenv() would return.
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

void print_json(const json& value) {
  // Arguments, environment and file contents are arbitrary bytes. A strict
  // dump would throw on invalid UTF-8; "replace" substitutes U+FFFD instead,
  // so the probe always produces parseable output.
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  text.push_back('\n');
  // write(2) directly: no stdio buffer that a later fork or fatal signal
  // could duplicate or lose.
  write_all(STDOUT_FILENO, text);
}

void usage_error(const std::string& message) {
  std::fprintf(stderr, "pocker-probe: %s\n", message.c_str());
  std::exit(kUsageExit);
}

}  // namespace probe
