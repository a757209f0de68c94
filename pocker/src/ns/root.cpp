#include "pocker/root.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "pocker/fs.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<void> enter_root_chroot(const std::string& rootfs) {
  if (::chroot(rootfs.c_str()) < 0) return sys_error("chroot {}", rootfs);
  trace("chroot(\"{}\") = ok", rootfs);
  // Without this chdir the working directory would still be outside the
  // new root: the first step of the classic chroot escape.
  if (::chdir("/") < 0) return sys_error("chdir /");
  return ok();
}

Result<void> enter_workdir(const std::string& cwd) {
  if (cwd.empty() || cwd == "/") return ok();
  if (::chdir(cwd.c_str()) == 0) return ok();
  TRY_CTX(make_dirs(cwd, 0755), "working directory");
  if (::chdir(cwd.c_str()) < 0) return sys_error("chdir {}", cwd);
  return ok();
}

}  // namespace pocker
