// security step 4: no_new_privs, execve can never give more.
//
//   build/lessons/security-05-no-new-privs
//
// A setuid-root program (like `su`, `passwd`, `mount`) runs as root even
// when an ordinary user starts it. Inside a container that is one way to
// climb back up: the container's root drops to a user, but a setuid file
// in the image takes it back. prctl(PR_SET_NO_NEW_PRIVS) switches this
// off for the process and all its children, for good.
//
// The example makes a setuid-root copy of itself in a temporary
// directory, then starts it twice as user 65534 (nobody): without and
// with no_new_privs. The copy only prints who it runs as. Needs root.
//
// See prctl(2) PR_SET_NO_NEW_PRIVS, Documentation/userspace-api/no_new_privs.rst,
// and in pocker: set_no_new_privs() in pocker/src/security/capabilities.cpp,
// used for `--security-opt no-new-privileges` (pocker/src/security/security.cpp).
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

std::string status_value(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) {
      return line.substr(line.find_first_not_of(" \t", key.size() + 1));
    }
  }
  return "?";
}

// The copy's whole job: say who it is.
int report(const char* label) {
  std::printf("%s: uid %d, euid %d, NoNewPrivs %s\n", label, static_cast<int>(getuid()),
              static_cast<int>(geteuid()), status_value("NoNewPrivs").c_str());
  return 0;
}

// Copies this program's file to `to` with sendfile(2).
bool copy_self(const std::string& to) {
  int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int out = open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
  bool ok = in >= 0 && out >= 0;
  struct stat st;
  if (ok && fstat(in, &st) == 0) {
    for (off_t done = 0; ok && done < st.st_size;) {
      ssize_t n = sendfile(out, in, nullptr, static_cast<size_t>(st.st_size - done));
      ok = n > 0;
      done += n;
    }
  }
  if (!ok) std::printf("copy /proc/self/exe to %s: %s\n", to.c_str(), strerror(errno));
  if (in >= 0) close(in);
  if (out >= 0) close(out);
  return ok;
}

// A temporary directory with the setuid copy, removed again at the end.
// The file system must not be mounted `nosuid`: there the kernel ignores
// setuid bits (the same effect as no_new_privs, for one mount). /tmp often
// is; the directory of the example itself (the build tree) rarely.
class SetuidCopy {
 public:
  SetuidCopy() {
    std::string here = program_dir();
    for (const std::string& base : {std::string("/tmp"), here}) {
      struct statvfs vfs;
      if (statvfs(base.c_str(), &vfs) == 0 && !(vfs.f_flag & ST_NOSUID)) {
        dir_ = base + "/pocker-lesson-nnp-XXXXXX";
        break;
      }
    }
    if (dir_.empty()) {
      std::printf("no file system without nosuid found for the copy\n");
      return;
    }
    if (!mkdtemp(dir_.data())) {
      std::printf("mkdtemp %s: %s\n", dir_.c_str(), strerror(errno));
      dir_.clear();
      return;
    }
    // mkdtemp makes it 0700: user 65534 must be able to reach the file.
    chmod(dir_.c_str(), 0755);
    path_ = dir_ + "/setuid-copy";
    if (!copy_self(path_)) return;
    // Owner root, then the setuid bit (04000). chown after chmod would
    // clear the bit again: the kernel drops setuid on a change of owner.
    if (chown(path_.c_str(), 0, 0) < 0 || chmod(path_.c_str(), 04755) < 0) {
      std::printf("chown/chmod %s: %s\n", path_.c_str(), strerror(errno));
      return;
    }
    ok_ = true;
  }
  ~SetuidCopy() {
    if (!path_.empty()) unlink(path_.c_str());
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  SetuidCopy(const SetuidCopy&) = delete;
  SetuidCopy& operator=(const SetuidCopy&) = delete;

  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  static std::string program_dir() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) return ".";
    std::string exe(buf, static_cast<size_t>(n));
    return exe.substr(0, exe.rfind('/'));
  }

  std::string dir_, path_;
  bool ok_ = false;
};

// Runs the copy as user 65534, with or without no_new_privs; its exit status.
int run_as_nobody(const std::string& copy, bool nnp) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) _exit(120);
    // Groups first: after setuid we would no longer be allowed to.
    if (setgroups(0, nullptr) < 0 || setgid(65534) < 0 || setuid(65534) < 0) _exit(121);
    const char* label = nnp ? "with no_new_privs" : "without no_new_privs";
    execl(copy.c_str(), copy.c_str(), "--report", label, static_cast<char*>(nullptr));
    std::printf("execl %s: %s\n", copy.c_str(), strerror(errno));
    std::fflush(stdout);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--report") return report(argv[2]);
  if (geteuid() != 0) {
    std::printf("run this as root: only root can make a setuid-root file\n");
    return 1;
  }
  std::string path;
  bool ok = false;
  {
    SetuidCopy copy;
    if (!copy.ok()) return 1;
    path = copy.path();
    struct stat st;
    stat(path.c_str(), &st);
    std::printf("made %s, owner %d, mode %o\n", path.c_str(), static_cast<int>(st.st_uid),
                st.st_mode & 07777);
    // The setuid bit works: euid 0, though uid is 65534.
    // no_new_privs: the kernel runs the file, but ignores the setuid bit.
    ok = run_as_nobody(path, false) == 0 && run_as_nobody(path, true) == 0;
  }  // ~SetuidCopy removes the file and its directory
  // A setuid-root file left in /tmp would be a gift to any user: check.
  struct stat gone;
  std::printf("%s %s\n", stat(path.c_str(), &gone) == 0 ? "left behind:" : "removed", path.c_str());
  return ok ? 0 : 1;
}
