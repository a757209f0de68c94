// cgroup.hpp validate(): the resource flags as `pocker run` turns them into
// a Resources. The input is a few `key=value` lines, one per flag, parsed
// the way the CLI parses them, so a seed reads like a command line:
//   memory=64m
//   memory-swap=-1
//   cpuset-cpus=0-1
//   online=0-3        (the host's online CPUs; default 0-3)
#include <charconv>
#include <sstream>

#include "fuzz.hpp"
#include "pocker/cgroup.hpp"
#include "pocker/parse.hpp"

namespace {

template <typename T>
std::optional<T> number(const std::string& text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream lines(pocker::fuzz::as_text(data, size));
  pocker::Resources r;
  unsigned host_cpus = 4;
  std::vector<unsigned> online = {0, 1, 2, 3};
  std::string line;
  while (std::getline(lines, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "cpus") {
      // Like the CLI: a parse error stops there, a value goes on to validate.
      if (auto v = pocker::parse_cpus(value, host_cpus)) r.cpus = v.value();
      else if (auto d = number<double>(value)) r.cpus = *d;  // what a config.json may hold
    } else if (key == "memory") {
      if (auto v = pocker::parse_size(value)) r.memory = v.value();
    } else if (key == "memory-swap") {
      if (value == "-1") r.memory_swap = -1;
      else if (auto v = pocker::parse_size(value)) r.memory_swap = static_cast<int64_t>(v.value());
    } else if (key == "pids-limit") {
      r.pids_limit = number<int64_t>(value);
    } else if (key == "cpu-shares") {
      r.cpu_shares = number<uint64_t>(value);
    } else if (key == "cpuset-cpus") {
      r.cpuset_cpus = value;
    } else if (key == "online") {
      if (auto v = pocker::parse_cpu_list(value)) online = v.value();
    } else if (key == "host-cpus") {
      if (auto v = number<unsigned>(value); v && *v > 0) host_cpus = *v;
    }
  }
  auto checked = pocker::validate(r, host_cpus, online);
  if (checked && r.memory_swap && *r.memory_swap != -1) {
    // What validate promises the drivers: swap only with memory, never below it.
    FUZZ_CHECK(r.memory && static_cast<uint64_t>(*r.memory_swap) >= *r.memory);
  }
  (void)pocker::effective_memory_swap(r);
  return 0;
}
