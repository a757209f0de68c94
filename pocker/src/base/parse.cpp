// Parsing of resource flag values, in docker's units.
#include "pocker/parse.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "pocker/fs.hpp"

namespace pocker {
namespace {

// The largest CPU number we accept. The kernel's NR_CPUS tops out at 8192
// (CONFIG_MAXSMP); the margin keeps a typo from allocating gigabytes.
constexpr unsigned kMaxCpu = 65535;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

// Parses a whole string of decimal digits; false on anything else or overflow.
bool parse_unsigned(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// The multiplier for a size suffix, or 0 if the suffix is not one we know.
uint64_t size_multiplier(std::string_view suffix) {
  std::string s;
  for (char c : suffix) s += lower(c);
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits{{
      {"", 1},
      {"b", 1},
      {"k", 1ULL << 10},
      {"kb", 1ULL << 10},
      {"m", 1ULL << 20},
      {"mb", 1ULL << 20},
      {"g", 1ULL << 30},
      {"gb", 1ULL << 30},
  }};
  for (auto [name, mult] : kUnits) {
    if (s == name) return mult;
  }
  return 0;
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
  auto invalid = [&] {
    return user_error("invalid size \"{}\": use a number with an optional b, k, m or g suffix",
                      text);
  };
  // number = digits [ "." digits ], then the suffix (docker's RAMInBytes shape).
  size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  std::string_view whole = text.substr(0, i);
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
    if (fraction.empty()) return invalid();
  }
  uint64_t mult = size_multiplier(text.substr(i));
  uint64_t integer = 0;
  if (mult == 0 || !parse_unsigned(whole, integer)) {
    // A digit string that from_chars rejects is one that does not fit.
    if (mult != 0 && !whole.empty()) return user_error("invalid size \"{}\": too large", text);
    return invalid();
  }
  if (integer > std::numeric_limits<uint64_t>::max() / mult) {
    return user_error("invalid size \"{}\": too large", text);
  }
  uint64_t bytes = integer * mult;
  if (!fraction.empty()) {
    // Like docker, the fractional bytes are truncated: 1.5b is 1 byte.
    long double frac = 0, scale = 0.1L;
    for (char c : fraction) {
      frac += (c - '0') * scale;
      scale /= 10;
    }
    auto extra = static_cast<uint64_t>(std::floor(frac * static_cast<long double>(mult)));
    if (bytes > std::numeric_limits<uint64_t>::max() - extra) {
      return user_error("invalid size \"{}\": too large", text);
    }
    bytes += extra;
  }
  return bytes;
}

Result<double> parse_cpus(std::string_view text, unsigned host_cpus) {
  constexpr double kMin = 0.01;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return user_error("invalid --cpus \"{}\": must be a number between {} and {}", text, kMin,
                      host_cpus);
  }
  if (value < kMin || value > static_cast<double>(host_cpus)) {
    return user_error("invalid --cpus \"{}\": must be between {} and {}", text, kMin, host_cpus);
  }
  return value;
}

Result<std::vector<unsigned>> parse_cpu_list(std::string_view text) {
  std::string_view list = trim(text);
  auto invalid = [&] {
    return user_error("invalid CPU list \"{}\": use CPU numbers and ranges like 0-2,4", text);
  };
  if (list.empty()) return invalid();
  std::vector<unsigned> cpus;
  while (true) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    size_t dash = item.find('-');
    uint64_t first = 0, last = 0;
    if (!parse_unsigned(item.substr(0, dash), first)) return invalid();
    last = first;
    if (dash != std::string_view::npos && !parse_unsigned(item.substr(dash + 1), last)) {
      return invalid();
    }
    if (last > kMaxCpu) {
      return user_error("invalid CPU list \"{}\": CPU {} is above the limit of {}", text, last,
                        kMaxCpu);
    }
    if (first > last) {
      return user_error("invalid CPU list \"{}\": range {} goes backwards", text, item);
    }
    for (uint64_t cpu = first; cpu <= last; ++cpu) cpus.push_back(static_cast<unsigned>(cpu));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(const std::vector<unsigned>& input) {
  std::vector<unsigned> cpus = input;
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

unsigned host_cpu_count() {
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1U : static_cast<unsigned>(n);
}

Result<std::vector<unsigned>> host_online_cpus(const std::string& sys_root) {
  std::string path = sys_root + "/devices/system/cpu/online";
  std::string text = TRY(read_file(path));
  return parse_cpu_list(text).wrap(path);
}

}  // namespace pocker
