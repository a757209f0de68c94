// The command line itself: a word that is no command is named in the error, as docker does.
#include <chrono>
#include <string>

#include "lifecycle/hints.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/expect.hpp"

namespace {

namespace lc = lab::lifecycle;
using namespace std::chrono_literals;
using LifecycleCli = lc::LifecycleTest;

// Catches: an unknown command answered with the parser's "A subcommand is required", which does
// not say what was wrong.
TEST_F(LifecycleCli, UnknownCommandNamesItself) {
  const lab::Outcome typo = pocker.run({"imagez"});
  LAB_EXPECT(typo.status == 125 && typo.err.find("'imagez' is not a pocker command") != std::string::npos,
             "`pocker imagez` to exit 125 saying 'imagez' is not a pocker command", typo, lc::kState);
  const lab::Outcome nothing = pocker.run({});
  LAB_EXPECT(nothing.status == 125 && nothing.err.find("no command") != std::string::npos,
             "`pocker` alone to exit 125 saying no command was given", nothing, lc::kState);
}

using LifecycleRename = lc::LifecycleTest;

// Catches: rename that leaves the old name resolving (or the new one not), that takes a name in
// use, or that accepts a name `--name` would refuse.
TEST_F(LifecycleRename, NewNameResolvesOldOneIsFree) {
  const std::string old_name = lab::unique_name("old");
  const std::string new_name = lab::unique_name("new");
  const std::string other = lab::unique_name("other");
  LAB_ASSERT_STATUS(detach({"--name", old_name, "busybox", "sleep", "30"}), 0, lc::kState);
  LAB_ASSERT_STATUS(detach({"--name", other, "busybox", "sleep", "30"}), 0, lc::kState);
  LAB_ASSERT_STATUS(pocker.run({"rename", old_name, new_name}), 0, lc::kState);
  const lab::Outcome ps = pocker.run({"ps"});
  LAB_EXPECT(!line_with(ps, new_name).empty() && line_with(ps, old_name).empty(),
             "`ps` to list the container under its new name only", ps, lc::kState);
  EXPECT_EQ(status_of(new_name), "running") << "inspect by the new name\n  lesson: " << lc::kState;
  const lab::Outcome gone = pocker.run({"inspect", old_name});
  LAB_EXPECT(gone.status == 125, "`inspect` by the old name to fail (125)", gone, lc::kState);
  const lab::Outcome reuse = pocker.run({"run", "-d", "--name", old_name, "busybox", "sleep", "30"});
  remember(lc::trimmed(reuse.out));
  LAB_EXPECT_STATUS(reuse, 0, lc::kState);
  const lab::Outcome taken = pocker.run({"rename", new_name, other});
  LAB_EXPECT(taken.status == 125 && taken.err.find("already in use") != std::string::npos,
             "rename to a name in use to exit 125 saying so", taken, lc::kState);
  const lab::Outcome bad = pocker.run({"rename", new_name, "no/slash"});
  LAB_EXPECT(bad.status == 125 && bad.err.find("invalid container name") != std::string::npos,
             "rename to an invalid name to exit 125 saying so", bad, lc::kState);
  EXPECT_EQ(status_of(new_name), "running") << "a refused rename must leave the name as it was\n  lesson: "
                                            << lc::kState;
}

// Catches: a `--rm` container renamed while it runs leaving its new name reserved (pointing at a
// container that is gone) once it ends.
TEST_F(LifecycleRename, RemovedContainerFreesItsNewName) {
  const std::string old_name = lab::unique_name("old");
  const std::string new_name = lab::unique_name("new");
  LAB_ASSERT_STATUS(detach({"--rm", "--name", old_name, "busybox", "sh", "-c", "sleep 1"}), 0, lc::kState);
  LAB_ASSERT_STATUS(pocker.run({"rename", old_name, new_name}), 0, lc::kState);
  EXPECT_TRUE(lc::eventually([&] { return lc::state_dirs(root()).empty(); }, 10s))
      << "the --rm container was not removed after it ended\n  lesson: " << lc::kState;
  const lab::Outcome again = pocker.run({"run", "--rm", "--name", new_name, "busybox", "true"});
  LAB_EXPECT_STATUS(again, 0, lc::kState);
}

using LifecyclePrune = lc::LifecycleTest;

// Catches: prune that removes a running container, leaves an exited one (or its name), or does
// not say what it removed.
TEST_F(LifecyclePrune, RemovesEveryStoppedContainerAndNoRunningOne) {
  const std::string exited = lab::unique_name("exited");
  const std::string running = lab::unique_name("running");
  const lab::Outcome first = pocker.run({"run", "--name", exited, "busybox", "true"});
  LAB_ASSERT_STATUS(first, 0, lc::kState);
  LAB_ASSERT_STATUS(detach({"--name", running, "busybox", "sleep", "30"}), 0, lc::kState);
  const std::string exited_id = lc::trimmed(lab::read_file(root() + "/names/" + exited));
  const lab::Outcome prune = pocker.run({"container", "prune", "-f"});
  LAB_EXPECT(prune.status == 0 && prune.out.find(exited_id) != std::string::npos &&
                 prune.out.find("Total reclaimed space:") != std::string::npos,
             "`container prune -f` to exit 0 listing the exited container's id and the space reclaimed", prune,
             lc::kState);
  const lab::Outcome ps = pocker.run({"ps", "-a"});
  LAB_EXPECT(line_with(ps, exited).empty() && !line_with(ps, running).empty(),
             "`ps -a` after prune to list the running container and not the exited one", ps, lc::kState);
  const lab::Outcome reuse = pocker.run({"run", "--rm", "--name", exited, "busybox", "true"});
  LAB_EXPECT_STATUS(reuse, 0, lc::kState);
}

// Catches: --format and -f ignored (the default table printed instead), a field looked up in the
// wrong place, or an unknown field printed as nothing instead of an error.
TEST_F(LifecycleCli, FormatTemplates) {
  const std::string name = lab::unique_name("fmt");
  LAB_ASSERT_STATUS(detach({"--name", name, "busybox", "sleep", "30"}), 0, lc::kState);
  const lab::Outcome ps = pocker.run({"ps", "--format", "{{.Names}}|{{.State}}"});
  LAB_EXPECT(ps.status == 0 && ps.out == name + "|running\n", "`ps --format '{{.Names}}|{{.State}}'` to print `" +
             name + "|running` and nothing else", ps, lc::kState);
  const lab::Outcome table = pocker.run({"ps", "--format", "table {{.Names}}\\t{{.Status}}"});
  LAB_EXPECT(table.status == 0 && table.out.rfind("NAMES ", 0) == 0 && !line_with(table, name).empty(),
             "`ps --format 'table ...'` to print a NAMES header and the container", table, lc::kState);
  const lab::Outcome running = pocker.run({"inspect", "-f", "{{.State.Running}} {{json .Config.Cmd}}", name});
  LAB_EXPECT(running.status == 0 && running.out == "true [\"sleep\",\"30\"]\n",
             "`inspect -f '{{.State.Running}} {{json .Config.Cmd}}'` to print `true [\"sleep\",\"30\"]`", running,
             lc::kState);
  const lab::Outcome unknown = pocker.run({"inspect", "-f", "{{.Nope}}", name});
  LAB_EXPECT(unknown.status == 125 && unknown.err.find("Nope") != std::string::npos,
             "`inspect -f '{{.Nope}}'` to exit 125 naming the unknown field", unknown, lc::kState);
}

}  // namespace
