// Helpers shared by the security labs: running one `pocker-probe escape ATTEMPT` in a container,
// judging its report, and what the host looks like (its root disk, whether a feature exists).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <source_location>
#include <string>
#include <vector>

#include "support/pocker.hpp"

namespace lab::security {

// CapEff of docker's 14 default capabilities (SECURITY-NOTES.md), as /proc/self/status prints it.
inline constexpr const char* kDockerCaps = "00000000a80425fb";

// `pocker run FLAGS busybox pocker-probe escape ATTEMPT...`: the probe's JSON report, or null after
// recording a failure at the caller's line (see lab::probe).
nlohmann::json escape(const Pocker& pocker, std::vector<std::string> run_flags, std::vector<std::string> attempt,
                      std::source_location where = std::source_location::current());

// The report says the attempt was stopped with `expected` as its errno.
::testing::AssertionResult blocked(const nlohmann::json& report, const std::string& expected, const char* hint);
// The report says the attempt went through: the relaxed side, proving the protection is what blocks.
::testing::AssertionResult went_through(const nlohmann::json& report, const char* hint);

// The file system that holds "/" on the host: its device numbers, type, and where a file the test
// makes in `dir` appears relative to that file system's own root (what a mount of the disk shows).
struct RootDisk {
  unsigned major = 0, minor = 0;
  std::string fstype;
  std::string mount_point;  // where it is mounted on the host ("/")
  std::string fs_root;      // the mount's root inside the file system (mountinfo field 4, "/" mostly)
  std::string error;        // why it could not be found; "" when found
};
RootDisk root_disk();
// PATH (absolute, on the root disk) as seen from the root of the disk's file system, without a
// leading slash: what `mount-disk`'s MARKER argument wants.
std::string path_on_disk(const RootDisk& disk, const std::string& path);

// Why the host itself cannot open block device MAJ:MIN for reading (so a container refused it proves
// nothing), or "" when it can.
std::string host_cannot_open_block(unsigned major, unsigned minor);

// The whole file, trimmed; "" when absent.
std::string host_file(const std::string& path);

}  // namespace lab::security
