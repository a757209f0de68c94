// exec_in_path(): what a shell does to run `name`.
//
// execvpe(3) searches the PATH of the *calling* process; a container needs
// the PATH of the container's own environment, so the search is done here.
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <string_view>

#include "pocker/process.hpp"
#include "pocker/trace.hpp"

namespace pocker {
namespace {

std::vector<char*> to_argv(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// execve(2) keeps an ignored signal ignored: pocker ignores SIGPIPE (a
// closed pipe must not end it before it cleaned up), but the command gets
// the default, so that `yes | head` in a container ends as it would
// outside. Only now, after the last trace line, which could otherwise kill
// this process by SIGPIPE; put back if execve fails.
void execve_with_default_sigpipe(const char* path, char* const* argv, char* const* envp) {
  struct sigaction dfl = {}, old = {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, &old);
  ::execve(path, argv, envp);
  int err = errno;
  ::sigaction(SIGPIPE, &old, nullptr);
  errno = err;
}

}  // namespace

std::string env_lookup(const std::vector<std::string>& env, const std::string& key,
                       const std::string& fallback) {
  for (const auto& entry : env) {
    if (entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
        entry[key.size()] == '=') {
      return entry.substr(key.size() + 1);
    }
  }
  return fallback;
}

Error exec_in_path(const std::vector<std::string>& args, const std::vector<std::string>& env,
                   const std::string& path) {
  if (args.empty() || args[0].empty()) return errno_error(ENOENT, "exec: empty command");
  auto argv = to_argv(args);
  auto envp = to_argv(env);
  const std::string& name = args[0];

  // A name with a slash is a path: no search, as in sh.
  if (name.find('/') != std::string::npos) {
    trace("execve(\"{}\")", name);
    execve_with_default_sigpipe(name.c_str(), argv.data(), envp.data());
    return sys_error("exec \"{}\"", name);
  }

  // Remember the most telling error: a found-but-not-executable file
  // (EACCES) beats "not found" in a later directory, as in execvp.
  int best = ENOENT;
  std::string_view rest = path;
  while (true) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (trace_enabled() && ::access(candidate.c_str(), F_OK) == 0) trace("execve(\"{}\")", candidate);
    execve_with_default_sigpipe(candidate.c_str(), argv.data(), envp.data());
    int err = errno;
    if (err != ENOENT && err != ENOTDIR) best = err;
    if (err != ENOENT && err != ENOTDIR && err != EACCES) {
      // ENOEXEC, E2BIG, ...: the file is there, but cannot run. Stop here.
      return errno_error(err, "exec \"{}\"", candidate);
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return errno_error(best, "exec \"{}\"", name);
}

}  // namespace pocker
