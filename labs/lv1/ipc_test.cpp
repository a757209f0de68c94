// An IPC namespace: System V objects made in a container exist only there; `--ipc host` shares
// the host's.
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "lv1/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/probe.hpp"

namespace {

using lab::lv1::kIpc;

// A key of this test run's own (from the pid), n telling apart the keys of one run.
key_t unique_key(unsigned n) {
  return static_cast<key_t>(0x70000000u | ((static_cast<std::uint32_t>(::getpid()) & 0xfffffu) << 4) | (n & 0xfu));
}

// Whether the host's IPC namespace has a segment with this key (shmget; errno says why not).
bool host_has(key_t key) { return ::shmget(key, 0, 0) >= 0; }

// Removes the host's segment with this key when the test ends, whatever the outcome.
class HostSegmentGuard {
 public:
  explicit HostSegmentGuard(key_t key) : key_(key) {}
  ~HostSegmentGuard() {
    const int id = ::shmget(key_, 0, 0);
    if (id >= 0) ::shmctl(id, IPC_RMID, nullptr);
  }
  HostSegmentGuard(const HostSegmentGuard&) = delete;
  HostSegmentGuard& operator=(const HostSegmentGuard&) = delete;

 private:
  key_t key_;
};

using Lv1Ipc = lab::LabTest;

// Catches: no IPC namespace: the segment lands in the host's namespace, where the host and every
// later container find it.
TEST_F(Lv1Ipc, SegmentStaysInContainer) {
  const key_t key = unique_key(1);
  const std::string k = std::to_string(key);
  ASSERT_FALSE(host_has(key)) << "key " << k << " is already taken on the host";
  const HostSegmentGuard cleanup(key);  // only now: a segment that was already there is not ours

  // The container that makes it can find it (so the look-ups below are real)...
  const lab::Outcome maker = pocker.run(
      {"run", "--rm", "busybox", "sh", "-c", "pocker-probe shm-create \"$1\" && pocker-probe shm-find \"$1\"", "sh", k});
  LAB_EXPECT_STATUS(maker, 0, kIpc);
  LAB_EXPECT_OUT_HAS(maker, "\"found\":true", kIpc);

  // ...but the host cannot,
  errno = 0;
  const bool on_host = host_has(key);
  const int host_errno = errno;
  EXPECT_FALSE(on_host) << "the container's shared memory segment (key " << k
                        << ") is in the host's IPC namespace\n  lesson: " << kIpc;
  if (!on_host) {
    EXPECT_EQ(host_errno, ENOENT) << "shmget on the host failed with errno " << host_errno;
  }

  // ...and neither can another container.
  const nlohmann::json other = lab::probe(pocker, {"--rm"}, {"shm-find", k});
  ASSERT_TRUE(other.is_object()) << "the probe did not report (see above)";
  EXPECT_EQ(other.value("found", true), false)
      << "a second container found the first one's segment (key " << k << "): " << other.dump()
      << "\n  lesson: " << kIpc;
}

using Lv1IpcHost = lab::LabTest;

// Catches: `--ipc host` ignored: the segment would vanish with the container's own IPC namespace.
TEST_F(Lv1IpcHost, SegmentVisibleOnHost) {
  const key_t key = unique_key(2);
  const std::string k = std::to_string(key);
  ASSERT_FALSE(host_has(key)) << "key " << k << " is already taken on the host";
  const HostSegmentGuard cleanup(key);  // only now: a segment that was already there is not ours

  const nlohmann::json report = lab::probe(pocker, {"--rm", "--ipc", "host"}, {"shm-create", k});
  ASSERT_TRUE(report.is_object()) << "the probe did not report (see above)";
  EXPECT_TRUE(host_has(key)) << "with --ipc host the segment the container made (key " << k
                             << ") must be in the host's IPC namespace: " << report.dump() << "\n  lesson: " << kIpc;
}

}  // namespace
