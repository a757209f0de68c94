// The end of a bridge container: its lease is freed and its veth (which dies with the container's
// network namespace) is gone from the host, after `run --rm`, after `rm -f` of a detached one, and
// after a SIGKILLed foreground `pocker run`, once any later pocker command has run.
#include <signal.h>

#include <string>
#include <vector>

#include "network/hints.hpp"
#include "network/network.hpp"

namespace {

using namespace lab::network;
using NetworkCleanup = NetworkTest;

// The leases whose container id starts with `id12` (a --rm container shows only its hostname).
std::vector<std::string> leases_of_prefix(const std::string& id12) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kLeaseDir, ec)) {
    if (lab::read_file(entry.path().string()).rfind(id12, 0) == 0) found.push_back(entry.path().filename().string());
  }
  return found;
}

// Catches: a lease never released when the container ends (the subnet fills up run after run), or
// a veth left on the host.
TEST_F(NetworkCleanup, RunRmReleasesLeaseAndVeth) {
  lab::Background running(
      pocker.command({"run", "--rm", "busybox", "sh", "-c", "echo id=$(hostname); sleep 1; echo done"}));
  ASSERT_TRUE(running.wait_for_stdout("\n", 10s)) << "no output from the container: " << running.err();
  const std::string out = running.out();
  const std::string id12 = out.substr(3, 12);
  ASSERT_EQ(out.rfind("id=", 0), 0u) << out;
  EXPECT_EQ(leases_of_prefix(id12).size(), 1u)
      << "while it runs, the container " << id12 << " must hold one lease in " << kLeaseDir << "\n  lesson: " << kIpam;
  EXPECT_TRUE(host_has_link("pk" + id12)) << "while it runs, its veth pk" << id12 << " is on the host";
  const lab::Outcome outcome = running.wait();
  LAB_ASSERT_STATUS(outcome, 0, kCleanup);
  LAB_EXPECT(leases_of_prefix(id12).empty(), "no lease of " + id12 + " once `run --rm` has returned", outcome, kCleanup);
  LAB_EXPECT(eventually([&] { return !host_has_link("pk" + id12); }, 3s),
             "the veth pk" + id12 + " gone from the host within 3 s", outcome, kCleanup);
}

// Catches: `rm -f` of a running detached container that leaves its lease (its monitor must free it
// on its way out) or its veth.
TEST_F(NetworkCleanup, RmForceOfDetachedReleasesLeaseAndVeth) {
  const std::string name = lab::unique_name("d");
  LAB_ASSERT_STATUS(pocker.run({"run", "-d", "--name", name, "busybox", "sleep", "120"}), 0, kCleanup);
  const std::string id = id_of(pocker, name);
  ASSERT_EQ(id.size(), 64u);
  EXPECT_EQ(leases_of(id).size(), 1u) << "a running container holds one lease\n  lesson: " << kIpam;
  EXPECT_TRUE(host_has_link(veth_of(id))) << "a running container's veth " << veth_of(id) << " is on the host";
  const lab::Outcome removed = pocker.run({"rm", "-f", name});
  LAB_ASSERT_STATUS(removed, 0, kCleanup);
  LAB_EXPECT(leases_of(id).empty(), "no lease of " + id + " once `rm -f` has returned", removed, kCleanup);
  LAB_EXPECT(eventually([&] { return !host_has_link(veth_of(id)); }, 3s),
             "the veth " + veth_of(id) + " gone from the host within 3 s", removed, kCleanup);
}

// Catches: a SIGKILLed `pocker run` whose lease stays for good (nobody else frees it), or a
// collection that frees it while the container still runs.
TEST_F(NetworkCleanup, KilledForegroundRunIsCollectedByNextCommand) {
  const std::string name = lab::unique_name("k");
  lab::Background running(pocker.command({"run", "--name", name, "busybox", "sh", "-c", "echo up; sleep 120"}));
  ASSERT_TRUE(running.wait_for_stdout("up\n", 10s)) << "the container did not start: " << running.err();
  const std::string id = id_of(pocker, name);
  ASSERT_EQ(id.size(), 64u);
  // Another command while it runs must leave its lease alone.
  const lab::Outcome listed = pocker.run({"ps", "-a"});
  LAB_EXPECT(leases_of(id).size() == 1, "the running container's lease kept by a `ps -a` meanwhile", listed, kCleanup);
  running.signal(SIGKILL);
  const lab::Outcome killed = running.wait();
  // The container dies with its pocker; its veth with its namespace, once its last process is gone.
  LAB_ASSERT(eventually([&] { return !host_has_link(veth_of(id)); }, 5s),
             "the veth " + veth_of(id) + " gone within 5 s of the SIGKILL (the container dies with its pocker)", killed,
             kCleanup);
  // The veth can go before the container's init has finished exiting (it still waits there for
  // the kernel to reap the rest of its PID namespace), and until then the collection rightly
  // keeps the lease: so each try is one more pocker command, for up to 5 s.
  lab::Outcome next;
  const bool freed = eventually(
      [&] {
        next = pocker.run({"ps", "-a"});
        return leases_of(id).empty();
      },
      5s);
  LAB_EXPECT(freed, "the lease of the SIGKILLed run's container freed by a later pocker command (tried for 5 s)",
             next, kCleanup);
}

}  // namespace
