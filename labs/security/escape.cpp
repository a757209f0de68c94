#include "security/escape.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "support/fs.hpp"
#include "support/probe.hpp"

namespace lab::security {

nlohmann::json escape(const Pocker& pocker, std::vector<std::string> run_flags, std::vector<std::string> attempt,
                      std::source_location where) {
  std::vector<std::string> args{"escape"};
  args.insert(args.end(), attempt.begin(), attempt.end());
  std::vector<std::string> flags{"--rm"};
  flags.insert(flags.end(), run_flags.begin(), run_flags.end());
  return lab::probe(pocker, std::move(flags), std::move(args), {}, where);
}

::testing::AssertionResult blocked(const nlohmann::json& report, const std::string& expected, const char* hint) {
  if (!report.is_object()) return ::testing::AssertionFailure() << "no report from the probe (see above)";
  if (report.value("ok", true) == false && report.value("errno", nlohmann::json()) == expected) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "expected the attempt blocked by default with " << expected
                                       << "\n  report: " << report.dump() << "\n  lesson: " << hint;
}

::testing::AssertionResult went_through(const nlohmann::json& report, const char* hint) {
  if (!report.is_object()) return ::testing::AssertionFailure() << "no report from the probe (see above)";
  if (report.value("ok", false) == true) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected the attempt to go through with the protection relaxed (else the default's refusal "
            "proves nothing about the protection)\n  report: "
         << report.dump() << "\n  lesson: " << hint;
}

RootDisk root_disk() {
  RootDisk disk;
  struct stat st {};
  if (::stat("/", &st) != 0) {
    disk.error = std::string("stat /: ") + std::strerror(errno);
    return disk;
  }
  disk.major = ::major(st.st_dev);
  disk.minor = ::minor(st.st_dev);
  // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
  std::ifstream in("/proc/self/mountinfo");
  const std::string wanted = std::to_string(disk.major) + ":" + std::to_string(disk.minor);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string id, parent, dev, root, point, word;
    words >> id >> parent >> dev >> root >> point;
    if (dev != wanted || point != "/") continue;
    while (words >> word && word != "-") {
    }
    words >> disk.fstype;
    disk.mount_point = point;
    disk.fs_root = root;
  }
  if (disk.fstype.empty()) disk.error = "no mountinfo line for " + wanted + " mounted at /";
  // Device numbers of 0 are anonymous (overlay, tmpfs): there is no disk to mount.
  if (disk.error.empty() && disk.major == 0) disk.error = "/ is on " + disk.fstype + ", not on a block device";
  return disk;
}

std::string path_on_disk(const RootDisk& disk, const std::string& path) {
  std::string root = disk.fs_root == "/" ? "" : disk.fs_root;
  std::string relative = root + path;
  while (relative.starts_with("/")) relative.erase(0, 1);
  return relative;
}

std::string host_cannot_open_block(unsigned major, unsigned minor) {
  TempDir dir("pocker-lab-disk");
  const std::string node = dir.path() + "/disk";
  if (::mknod(node.c_str(), S_IFBLK | 0600, ::makedev(major, minor)) != 0) {
    return "the host cannot mknod a node for its own disk: " + std::string(std::strerror(errno));
  }
  const int fd = ::open(node.c_str(), O_RDONLY | O_CLOEXEC);
  const int err = errno;
  ::unlink(node.c_str());
  if (fd < 0) {
    return "the host itself cannot open its disk " + std::to_string(major) + ":" + std::to_string(minor) + " (" +
           std::strerror(err) + "), so a refusal in the container would prove nothing";
  }
  ::close(fd);
  return "";
}

std::string host_file(const std::string& path) {
  std::string text = lab::read_file(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace lab::security
