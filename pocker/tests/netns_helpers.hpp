// Network namespaces made by a test, and `ip -j` run inside them as the
// oracle. Every interface a test makes lives in such a namespace: when the
// test's descriptors close (on any path, even a failed ASSERT or a killed
// test binary) the kernel removes the namespace with everything in it, and
// the host's own interfaces are never touched.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"
#include "pocker/process.hpp"

namespace pocker::testing {

// A new, empty network namespace, held only by the returned descriptor.
// Only this thread visits it (unshare then setns back), so the test
// process itself stays in the host's namespace.
inline Result<Fd> make_netns() {
  Fd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own) return sys_error("open /proc/thread-self/ns/net");
  if (::unshare(CLONE_NEWNET) < 0) return sys_error("unshare(CLONE_NEWNET)");
  Fd made(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  int open_errno = errno;
  if (::setns(own.get(), CLONE_NEWNET) < 0) return sys_error("setns back to the test's namespace");
  if (!made) return errno_error(open_errno, "open the new network namespace");
  return made;
}

// True when iproute2's `ip`, the oracle, is on PATH (some hosts lack it).
inline bool have_ip() {
  const char* path = ::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t at = 0; at <= dirs.size();) {
    size_t end = dirs.find(':', at);
    if (end == std::string::npos) end = dirs.size();
    if (::access((dirs.substr(at, end - at) + "/ip").c_str(), X_OK) == 0) return true;
    at = end + 1;
  }
  return false;
}

// Runs `body` in a child process inside `netns`; returns its exit code.
inline int run_in_netns(int netns, const std::function<int()>& body) {
  auto child = spawn(CloneOptions{}, [&] {
    if (::setns(netns, CLONE_NEWNET) < 0) return 120;
    return body();
  });
  if (!child) return -1;
  auto status = child.value().wait();
  return status ? status.value().shell_code() : -1;
}

// The stdout of `ip -j ARGS...` run inside `netns` (-1: the test's own),
// parsed; null if ip failed.
inline nlohmann::json ip_json(int netns, const std::vector<std::string>& args) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) < 0) return nullptr;
  Fd read_end(out[0]), write_end(out[1]);
  auto child = spawn(CloneOptions{}, [&] {
    if (netns >= 0 && ::setns(netns, CLONE_NEWNET) < 0) return 120;
    ::dup2(write_end.get(), STDOUT_FILENO);
    std::vector<std::string> argv{"ip", "-j"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    ::execvp("ip", raw.data());
    return 127;
  });
  write_end.reset();
  if (!child) return nullptr;
  std::string text;
  char buffer[4096];
  ssize_t got;
  while ((got = ::read(read_end.get(), buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<size_t>(got));
  }
  auto status = child.value().wait();
  if (!status || status.value().shell_code() != 0) return nullptr;
  return nlohmann::json::parse(text, nullptr, false);
}

// The `ip -j -d link show` entry of link `name` in `netns`, or null.
inline nlohmann::json link_json(int netns, const std::string& name) {
  nlohmann::json links = ip_json(netns, {"-d", "link", "show"});
  if (!links.is_array()) return nullptr;
  for (auto& link : links) {
    if (link.value("ifname", "") == name) return link;
  }
  return nullptr;
}

// Whether `link`'s flags (as `ip -j` lists them) include `flag`.
inline bool has_flag(const nlohmann::json& link, const std::string& flag) {
  if (!link.contains("flags")) return false;
  for (auto& f : link["flags"]) {
    if (f == flag) return true;
  }
  return false;
}

}  // namespace pocker::testing
