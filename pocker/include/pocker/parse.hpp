/// @file
/// @brief Parsing the values of resource flags: sizes, CPU counts, CPU lists.
///
/// The units follow docker, so `pocker run -m 64m --cpus 0.5 --cpuset-cpus 0-1`
/// means what it means there. Errors are one line that names the value and
/// what would have been accepted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pocker/error.hpp"

namespace pocker {

/// A size in bytes: a plain number of bytes, or a number with a `b`, `k`,
/// `m` or `g` suffix (also `kb`, `mb`, `gb`; any case; 1024-based). A
/// fraction is allowed, as in docker: `1.5g` is 1610612736 bytes.
Result<uint64_t> parse_size(std::string_view text);

/// A `--cpus` value: a decimal number of CPUs from 0.01 to `host_cpus`,
/// both included.
Result<double> parse_cpus(std::string_view text, unsigned host_cpus);

/// A CPU list in the kernel's format (`0-2,4`), as `--cpuset-cpus` takes it
/// and `/sys/devices/system/cpu/online` holds it. Returns the CPUs sorted,
/// each once. Surrounding white space (the file's newline) is ignored.
Result<std::vector<unsigned>> parse_cpu_list(std::string_view text);

/// The inverse of parse_cpu_list: `{0, 1, 2, 4}` gives `0-2,4`.
std::string format_cpu_list(const std::vector<unsigned>& cpus);

/// The number of CPUs online now (sysconf(_SC_NPROCESSORS_ONLN)), at least 1.
unsigned host_cpu_count();

/// The CPUs online now, read from `<sys_root>/devices/system/cpu/online`.
/// `sys_root` is injectable so tests can point it at a temporary directory.
Result<std::vector<unsigned>> host_online_cpus(const std::string& sys_root = "/sys");

}  // namespace pocker
