// A UTS namespace: the container has a hostname of its own, set by -h/--hostname or defaulting to
// the first 12 characters of its id, and changing it inside leaves the host's alone.
#include <unistd.h>

#include <string>
#include <vector>

#include "lv1/hints.hpp"
#include "lv1/host.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using lab::lv1::kUts;

// Remembers the host's hostname and, should a test (a broken pocker) change it, puts it back and
// fails: a container must never rename the machine.
class Lv1Uts : public lab::LabTest {
 protected:
  void SetUp() override { host_name_ = lab::lv1::host_hostname(); }
  void TearDown() override {
    const std::string now = lab::lv1::host_hostname();
    if (now == host_name_) return;
    ::sethostname(host_name_.data(), host_name_.size());
    ADD_FAILURE() << "the host's hostname changed from \"" << host_name_ << "\" to \"" << now
                  << "\" (put back now): the container's sethostname reached the host\n  lesson: " << kUts;
  }
  std::string host_name_;
};

// Catches: -h/--hostname accepted but never applied with sethostname in the new UTS namespace.
TEST_F(Lv1Uts, FlagSetsHostname) {
  const lab::Outcome short_flag = pocker.run({"run", "--rm", "-h", "lab-short", "busybox", "hostname"});
  LAB_EXPECT_STATUS(short_flag, 0, kUts);
  LAB_EXPECT_OUT_EQ(short_flag, "lab-short\n", kUts);
  const lab::Outcome long_flag = pocker.run({"run", "--rm", "--hostname", "lab-long", "busybox", "hostname"});
  LAB_EXPECT_STATUS(long_flag, 0, kUts);
  LAB_EXPECT_OUT_EQ(long_flag, "lab-long\n", kUts);
}

// Catches: no UTS namespace: the container's `hostname NAME` renames the host (TearDown checks).
// sethostname(2) takes CAP_SYS_ADMIN, which a container lacks by default (lessons/security): the
// test gives it back, as `docker run --cap-add SYS_ADMIN` would.
TEST_F(Lv1Uts, ChangeStaysInside) {
  const lab::Outcome outcome = pocker.run(
      {"run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", "hostname changed-inside && hostname"});
  LAB_EXPECT_STATUS(outcome, 0, kUts);
  LAB_EXPECT_OUT_EQ(outcome, "changed-inside\n", kUts);
}

bool is_lower_hex(const std::string& text) {
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Catches: no default hostname (the container shows the host's name, or none), or one that is not
// the start of the container's id.
TEST_F(Lv1Uts, DefaultIsIdPrefix) {
  const lab::Outcome outcome = pocker.run({"run", "busybox", "hostname"});  // kept: its id is the dir name
  LAB_EXPECT_STATUS(outcome, 0, kUts);
  const std::string name = outcome.out.substr(0, outcome.out.find('\n'));
  LAB_EXPECT(name.size() == 12 && is_lower_hex(name), "a hostname of 12 lowercase hex characters", outcome, kUts);
  LAB_EXPECT(name != host_name_, "a hostname other than the host's \"" + host_name_ + "\"", outcome, kUts);

  const std::vector<std::string> ids = lab::lv1::entries_of(pocker.root() + "/containers");
  LAB_EXPECT(ids.size() == 1 && ids[0].rfind(name, 0) == 0,
             "the hostname to be the first 12 characters of the container's id; ids under " + pocker.root() +
                 "/containers: " + lab::lv1::joined(ids, ", "),
             outcome, kUts);
}

// Catches: `--uts host` ignored: the container would get the default, id-based name.
TEST_F(Lv1Uts, HostOptOutKeepsHostName) {
  const lab::Outcome outcome = pocker.run({"run", "--rm", "--uts", "host", "busybox", "hostname"});
  LAB_EXPECT_STATUS(outcome, 0, kUts);
  LAB_EXPECT_OUT_EQ(outcome, host_name_ + "\n", kUts);
}

}  // namespace
