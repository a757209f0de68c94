#include "support/user.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "support/run.hpp"

namespace lab {

std::string find_tool(const std::string& name) {
  for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
    const std::string path = dir + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

Unprivileged::Unprivileged(unsigned offset)
    : uid_(40000 + offset + static_cast<uid_t>(::getpid() % 1000)) {}

std::string Unprivileged::prepare(const std::string& pocker) {
  if (::geteuid() != 0) return "needs root, to switch to an unprivileged uid with setpriv";
  setpriv_ = find_tool("setpriv");
  if (setpriv_.empty()) return "setpriv (util-linux) is not installed";
  if (::chown(dir().c_str(), uid_, gid()) != 0 || ::chmod(dir().c_str(), 0700) != 0) {
    return "cannot give " + dir() + " to uid " + std::to_string(uid_);
  }
  const std::string unshare = find_tool("unshare");
  if (unshare.empty()) return "unshare (util-linux) is not installed";
  const Outcome userns = run(argv({unshare, "-U", "true"}));
  if (userns.status != 0) {
    return "an unprivileged user cannot make a user namespace here (disabled?): " + userns.err;
  }
  // The binary must be reachable by that uid; if the build tree is not, run a copy of it.
  bin_ = pocker;
  if (run(argv({"/usr/bin/test", "-x", bin_, "-a", "-r", bin_})).status != 0) {
    const std::string copy = dir() + "/pocker";
    std::error_code ec;
    std::filesystem::copy_file(bin_, copy, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec || ::chmod(copy.c_str(), 0755) != 0) return "cannot copy " + bin_ + " to " + copy;
    bin_ = copy;
  }
  return "";
}

std::vector<std::string> Unprivileged::argv(std::vector<std::string> command) const {
  std::vector<std::string> full{setpriv_,
                                "--reuid=" + std::to_string(uid_),
                                "--regid=" + std::to_string(gid()),
                                "--clear-groups",
                                "--reset-env",
                                "--",
                                "/usr/bin/env",
                                "HOME=" + dir(),
                                "XDG_RUNTIME_DIR=",
                                "PATH=/usr/bin:/bin"};
  full.insert(full.end(), command.begin(), command.end());
  return full;
}

std::vector<std::string> Unprivileged::pocker(std::vector<std::string> args) const {
  std::vector<std::string> command{bin_, "--root", root()};
  command.insert(command.end(), args.begin(), args.end());
  return argv(std::move(command));
}

}  // namespace lab
