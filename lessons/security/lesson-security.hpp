// security: two printing helpers the examples share.
//
// Each example shows one mechanism; these only turn what it saw into the
// lines the tests check, e.g. "EPERM (Operation not permitted)".
#pragma once

#include <string.h>

#include <fstream>
#include <string>

namespace lesson {

// "ok" for 0, else the errno's name and text: "EPERM (Operation not permitted)".
inline std::string errno_text(int err) {
  if (err == 0) return "ok";
  return std::string(strerrorname_np(err)) + " (" + strerror(err) + ")";
}

// "Seccomp 2": one line of /proc/self/status, the tab made a space.
inline std::string status_line(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) {
      return key + " " + line.substr(line.find_first_not_of(" \t", key.size() + 1));
    }
  }
  return key + " ?";
}

}  // namespace lesson
