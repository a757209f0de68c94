// A signal sent to pocker reaches the container's process, whose own exit status then comes back.
#include <signal.h>

#include <chrono>
#include <string>

#include "lv0/hints.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace {

using lab::lv0::kForwarding;
using namespace std::chrono_literals;

class Lv0Forward : public lab::LabTest {
 protected:
  // The container traps `name`, says so and exits 3; it prints "ready" once the trap is set.
  void expect_forwarded(int sig, const std::string& name, const std::string& said) {
    const std::string script =
        "trap \"echo " + said + "; exit 3\" " + name + "; echo ready; while true; do sleep 0.1; done";
    lab::RunOptions opts;
    opts.timeout = 30s;
    lab::Background container = pocker.start({"run", "busybox", "sh", "-c", script}, opts);
    ASSERT_TRUE(container.wait_for_stdout("ready", 20s))
        << "expected \"ready\" on stdout within 20 s, before sending SIG" << name << "\n"
        << "  stdout so far: " << container.out() << "\n  stderr so far: " << container.err()
        << "\n  lesson: " << kForwarding;

    ASSERT_TRUE(container.signal(sig));  // to pocker alone, not its process group
    const lab::Outcome outcome = container.wait();
    LAB_EXPECT_STATUS(outcome, 3, kForwarding);
    LAB_EXPECT_OUT_HAS(outcome, said, kForwarding);
  }
};

TEST_F(Lv0Forward, TermReachesContainer) { expect_forwarded(SIGTERM, "TERM", "got-term"); }

TEST_F(Lv0Forward, IntReachesContainer) { expect_forwarded(SIGINT, "INT", "got-int"); }

}  // namespace
