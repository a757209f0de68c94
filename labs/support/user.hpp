// Running pocker as an unprivileged user, for the rootless labs: a uid with no passwd entry, a
// private directory it owns (removed, as root, whatever happens), and argv wrapped in setpriv.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/fs.hpp"

namespace lab {

// /usr/bin/NAME, /bin/NAME, /usr/sbin/NAME or /sbin/NAME, whichever is executable; "" if none.
std::string find_tool(const std::string& name);

class Unprivileged {
 public:
  // A uid (and gid) of its own per test process, 40000 + offset + pid % 1000.
  explicit Unprivileged(unsigned offset = 0);

  // Why the rootless labs cannot run here (not root, no setpriv or unshare, user namespaces
  // disabled for unprivileged users), or "" when they can. Also gives the private directory to the
  // uid and finds a copy of `pocker` that uid may run.
  std::string prepare(const std::string& pocker);

  // argv run as uid:gid, no groups, a clean environment with HOME in the private directory.
  std::vector<std::string> argv(std::vector<std::string> command) const;
  // pocker --root DIR/root ARGS..., as that user.
  std::vector<std::string> pocker(std::vector<std::string> args) const;

  uid_t uid() const { return uid_; }
  gid_t gid() const { return uid_; }
  const std::string& dir() const { return dir_.path(); }
  std::string root() const { return dir_.path() + "/root"; }

 private:
  uid_t uid_;
  TempDir dir_{"pocker-rootless"};
  std::string setpriv_, bin_;
};

}  // namespace lab
