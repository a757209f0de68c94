// cgroupfs building blocks shared by the v1 and v2 drivers: reading the
// interface files, traced mkdir/rmdir, and emptying a cgroup before removal.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/ranges.h>

#include "pocker/cgroup.hpp"
#include "pocker/fs.hpp"
#include "pocker/trace.hpp"

namespace pocker::cgroupfs {
namespace {

// strerror in the house style (lower case), for trace lines.
std::string errno_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool parse_u64(std::string_view s, uint64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// `dir` and every cgroup nested in it, deepest first, so each rmdir finds
// its directory already empty of children.
void collect_post_order(const std::string& dir, std::vector<std::string>& out) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec) && !it->is_symlink(type_ec)) {
      collect_post_order(it->path().string(), out);
    }
  }
  out.push_back(dir);
}

// SIGKILL to each pid, traced. Never to pid 1 or ourselves, whatever a fake
// or corrupt cgroup.procs says.
void kill_each(const std::set<pid_t>& pids) {
  for (pid_t pid : pids) {
    if (pid <= 1 || pid == ::getpid()) continue;
    if (::kill(pid, SIGKILL) == 0) {
      trace("kill({}, SIGKILL) = ok", pid);
    } else if (errno != ESRCH) {
      trace("kill({}, SIGKILL) = {}", pid, errno_text(errno));
    }
  }
}

}  // namespace

std::optional<uint64_t> keyed_value(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    if (line.size() > key.size() && line.substr(0, key.size()) == key &&
        line[key.size()] == ' ') {
      uint64_t value = 0;
      if (parse_u64(line.substr(key.size() + 1), value)) return value;
      return std::nullopt;
    }
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return std::nullopt;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::string> read_trimmed(const std::string& path) {
  std::string text = TRY(read_file(path));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::optional<uint64_t> number_in(std::string_view text) {
  uint64_t value = 0;
  if (!parse_u64(text, value)) return std::nullopt;
  return value;
}

Result<uint64_t> read_number(const std::string& path) {
  std::string text = TRY(read_trimmed(path));
  uint64_t value = 0;
  if (!parse_u64(text, value)) return user_error("read {}: not a number: \"{}\"", path, text);
  return value;
}

Result<std::vector<pid_t>> read_pids(const std::string& procs_file) {
  std::string text = TRY(read_file(procs_file));
  std::istringstream in(text);
  std::vector<pid_t> pids;
  for (long pid; in >> pid;) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

Result<bool> make_dir(const CgroupDirOps& ops, const std::string& path) {
  Result<void> made = ok();
  if (ops.make_dir) {
    made = ops.make_dir(path);
  } else if (::mkdir(path.c_str(), 0755) < 0) {
    made = sys_error("mkdir {}", path);
  }
  if (made) {
    trace("mkdir {} = ok", path);
    return true;
  }
  int err = made.error().err();
  trace("mkdir {} = {}", path, errno_text(err));
  if (err == EEXIST) return false;
  return std::move(made).error();
}

Result<void> remove_dir(const CgroupDirOps& ops, const std::string& path) {
  Result<void> removed = ok();
  if (ops.remove_dir) {
    removed = ops.remove_dir(path);
  } else if (::rmdir(path.c_str()) < 0) {
    removed = sys_error("rmdir {}", path);
  }
  if (removed) {
    trace("rmdir {} = ok", path);
    return ok();
  }
  int err = removed.error().err();
  trace("rmdir {} = {}", path, errno_text(err));
  if (err == ENOENT) return ok();
  return removed;
}

Result<std::vector<std::string>> split_relative(const std::string& relative_path) {
  std::vector<std::string> parts;
  std::string_view rest = relative_path;
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part.empty() || part == "." || part == "..") break;
    parts.emplace_back(part);
    if (slash == std::string_view::npos) return parts;
    rest.remove_prefix(slash + 1);
  }
  return user_error("invalid cgroup path \"{}\": use names separated by /, like pocker/<id>",
                    relative_path);
}

void kill_listed(const std::vector<std::string>& procs_files) {
  std::set<pid_t> pids;
  for (const auto& file : procs_files) {
    auto listed = read_pids(file);
    if (listed) pids.insert(listed.value().begin(), listed.value().end());
  }
  kill_each(pids);
}

Result<void> kill_and_remove(const CgroupDirOps& ops, const std::vector<std::string>& leaf_dirs,
                             const std::function<void()>& first_step) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  if (first_step) first_step();
  std::vector<std::string> roots = leaf_dirs;
  std::set<pid_t> signalled;  // SIGKILL cannot be blocked: once per process is enough
  while (true) {
    std::vector<std::string> busy;
    std::set<pid_t> to_kill;
    std::string last_pids;
    for (const auto& root : roots) {
      if (!exists(root)) continue;
      std::vector<std::string> tree;
      collect_post_order(root, tree);
      std::vector<std::string> kept;  // directories still there this round
      for (const auto& dir : tree) {
        auto pids = read_pids(dir + "/cgroup.procs");
        if (pids && !pids.value().empty()) {
          for (pid_t pid : pids.value()) {
            if (signalled.insert(pid).second) to_kill.insert(pid);
          }
          last_pids = fmt::format("{} in {}", fmt::join(pids.value(), " "), dir);
          kept.push_back(dir);
          continue;
        }
        if (!pids && pids.error().err() != ENOENT) return std::move(pids).error();
        // A parent cannot go before its children do.
        bool has_kept_child = std::any_of(kept.begin(), kept.end(), [&](const std::string& k) {
          return k.compare(0, dir.size() + 1, dir + "/") == 0;
        });
        if (has_kept_child) {
          kept.push_back(dir);
          continue;
        }
        // The kernel refuses (EBUSY) while a killed task is still exiting.
        auto removed = remove_dir(ops, dir);
        if (!removed && removed.error().err() != EBUSY) return removed;
        if (!removed) kept.push_back(dir);
      }
      if (!kept.empty()) busy.push_back(root);
    }
    kill_each(to_kill);
    if (busy.empty()) return ok();
    if (Clock::now() > deadline) {
      return errno_error(EBUSY, "remove cgroup {}: still busy after 2 s{}", busy.front(),
                         last_pids.empty() ? "" : " (pids " + last_pids + ")");
    }
    roots = std::move(busy);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<std::string> remove_if_empty(const CgroupDirOps& ops,
                                         const std::vector<std::string>& dirs) {
  std::vector<std::string> busy;
  for (const auto& dir : dirs) {
    // rmdir succeeds only on a cgroup with no process and no child cgroup,
    // which is the usual state after the container's last process was
    // reaped: one syscall, with no listing of cgroup.procs first.
    if (!remove_dir(ops, dir)) busy.push_back(dir);
  }
  return busy;
}

Result<void> join_self(const std::vector<TasksFile>& tasks_files) {
  for (const auto& file : tasks_files) {
    // "0" names the writer. Through `tasks` (one thread) rather than
    // cgroup.procs (a whole process) the kernel skips the system-wide
    // cgroup_threadgroup_rwsem, whose write side first waits for an RCU
    // grace period (kernel/cgroup/cgroup.c, cgroup_procs_write_start()):
    // milliseconds on a busy host. A single-threaded process moves whole.
    if (::write(file.fd.get(), "0", 1) != 1) {
      auto error = sys_error("move into cgroup: write 0 to {}", file.path);
      trace("write {} \"0\" = {}", file.path, errno_text(error.err()));
      return error;
    }
    trace("write {} \"0\" = ok", file.path);
  }
  return ok();
}

void remove_unused(const CgroupDirOps& ops, const std::vector<std::string>& dirs) {
  // No stat first: rmdir of a missing directory is as cheap, and
  // remove_dir() counts ENOENT as done. EBUSY (v1) or ENOTEMPTY: another
  // container's cgroup is still below; keep it.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) (void)remove_dir(ops, *it);
}

}  // namespace pocker::cgroupfs
