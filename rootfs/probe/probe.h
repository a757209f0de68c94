// pocker-probe: a tiny static program that runs inside containers and reports
// what the container looks like from the inside, as one JSON object per run.
//
// Lab tests drive it as a black box through the pocker CLI, so everything a
// command prints goes through print_json() and every usage mistake goes
// through usage_error(); that keeps the output contract in one place.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace probe {

using json = nlohmann::json;

// The words on the command line after the command name.
using Args = std::vector<std::string>;

// Bad usage exits 2, distinct from 1 ("ran, but the action failed"), so a lab
// can tell a typo in the test apart from a restriction inside the container.
inline constexpr int kUsageExit = 2;

// ---- util.cpp --------------------------------------------------------------

// "ENOENT" for ENOENT, or the number as text for values we do not name.
std::string errno_name(int err);
// "Operation not permitted" etc., as a std::string.
std::string error_text(int err);

// Accepts "TERM", "SIGTERM", "term" or "15". Returns nullopt if unknown.
std::optional<int> parse_signal(std::string_view text);

// Decimal or 0x-hex, optionally negative. False on junk or overflow.
bool parse_int(std::string_view text, long long& out);
// A byte count with an optional binary k/m/g suffix ("64m" = 64 MiB).
bool parse_size(std::string_view text, unsigned long long& out);
// A non-negative number of seconds; fractions and "inf" are allowed.
bool parse_seconds(std::string_view text, double& out);

std::string trim(std::string_view text);
std::vector<std::string> split_lines(std::string_view text);
std::vector<std::string> split_words(std::string_view text);

// Reads a whole file with plain read(2); /proc and /sys files report a size
// of 0, so we cannot size the buffer from stat(). On failure returns nullopt
// and stores the errno in *err when err is given.
std::optional<std::string> read_file(const std::string& path, int* err = nullptr);
// Sorted entry names of a directory, without "." and "..".
std::optional<std::vector<std::string>> list_dir(const std::string& path);
// Writes all of text to fd, retrying short writes. False with errno set.
bool write_all(int fd, std::string_view text);

// The process environment as {"NAME": "value", ...}.
json environment();

// Prints value as one line of JSON on stdout and flushes it immediately, so
// nothing is lost if the process is killed or forks right afterwards.
void print_json(const json& value);
// Prints "pocker-probe: <message>" on stderr and exits with kUsageExit.
[[noreturn]] void usage_error(const std::string& message);

// ---- commands --------------------------------------------------------------
// Each returns the process exit status. Arity is checked by main() already.

int cmd_report(const Args& own_argv);  // gets the whole argv, not just the tail

int cmd_args(const Args& args);
int cmd_env(const Args& args);
int cmd_exit(const Args& args);
int cmd_kill(const Args& args);
int cmd_segv(const Args& args);
int cmd_sleep(const Args& args);
int cmd_write(const Args& args);
int cmd_cat(const Args& args);

int cmd_alloc(const Args& args);
int cmd_burn(const Args& args);
int cmd_fork(const Args& args);

int cmd_breakout(const Args& args);
int cmd_shm_create(const Args& args);
int cmd_shm_find(const Args& args);

int cmd_escape(const Args& args);  // escape.cpp, attempts in escape_*.cpp

}  // namespace probe
