// lv2 made visible on a running container: `pause` freezes every process of its cgroup, `stats`
// reads its counters, `top` lists the processes its cgroup holds.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>

#include "lifecycle/lifecycle.hpp"
#include "lv2/hints.hpp"
#include "support/expect.hpp"

namespace {

using lab::lv2::kControl;
using namespace std::chrono_literals;
namespace lc = lab::lifecycle;

class Lv2Control : public lc::LifecycleTest {
 protected:
  // The host pid of a container's first process, from inspect; 0 if unknown.
  pid_t pid_of(const std::string& name) {
    const nlohmann::json j = inspect(name, kControl);
    if (!j.is_object() || !j["State"].is_object()) return 0;
    return static_cast<pid_t>(j["State"].value("Pid", 0));
  }

  // utime + stime of `pid` in clock ticks (proc(5) fields 14 and 15); -1 if it is gone.
  static long long cpu_ticks(pid_t pid) {
    const std::string stat = lab::read_file("/proc/" + std::to_string(pid) + "/stat");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return -1;
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    long long total = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i >= 14) total += std::stoll(field);
    }
    return total;
  }

  // How many ticks of CPU `pid` used in `span`.
  static long long ticks_in(pid_t pid, std::chrono::milliseconds span) {
    const long long before = cpu_ticks(pid);
    std::this_thread::sleep_for(span);
    return cpu_ticks(pid) - before;
  }

  std::string burner() {
    const std::string name = lab::unique_name("burn");
    const lab::Outcome run = detach({"--name", name, "busybox", "sh", "-c", "while true; do :; done"});
    LAB_EXPECT_STATUS(run, 0, kControl);
    return name;
  }
};

// Catches: pause that does not freeze (the burner's CPU time keeps growing), or unpause that leaves
// it frozen. The CPU time is the host's count for the container's process, so no shell inside can
// fake it.
TEST_F(Lv2Control, PauseStopsProgressAndUnpauseResumes) {
  const std::string name = burner();
  const pid_t pid = pid_of(name);
  ASSERT_GT(pid, 0) << "inspect gave no State.Pid for the running burner";
  ASSERT_GT(ticks_in(pid, 300ms), 0) << "the burner used no CPU before pause; the lab cannot judge";

  const lab::Outcome pause = pocker.run({"pause", name});
  LAB_ASSERT_STATUS(pause, 0, kControl);
  const long long frozen = ticks_in(pid, 500ms);
  EXPECT_EQ(frozen, 0) << "the paused burner still used " << frozen << " ticks of CPU in 0.5 s: pause must freeze "
                       << "every process of the container's cgroup\n  lesson: " << kControl;
  const lab::Outcome ps = pocker.run({"ps"});
  LAB_EXPECT(line_with(ps, name).find("Paused") != std::string::npos, "`ps` to show the container as Paused", ps,
             kControl);
  EXPECT_EQ(status_of(name), "paused") << "inspect's State.Status of a paused container\n  lesson: " << kControl;

  const lab::Outcome unpause = pocker.run({"unpause", name});
  LAB_ASSERT_STATUS(unpause, 0, kControl);
  EXPECT_GT(ticks_in(pid, 300ms), 0) << "the burner used no CPU after unpause\n  lesson: " << kControl;
  EXPECT_EQ(status_of(name), "running") << "  lesson: " << kControl;
}

// Catches: pause/unpause of the wrong state accepted silently, and exec into a paused container
// hanging in the frozen cgroup instead of failing at once.
TEST_F(Lv2Control, WrongStateIsAClearError) {
  const std::string name = burner();
  const lab::Outcome not_paused = pocker.run({"unpause", name});
  LAB_EXPECT(not_paused.status == 125 && not_paused.err.find("not paused") != std::string::npos,
             "`unpause` of a running container to exit 125 saying it is not paused", not_paused, kControl);
  LAB_ASSERT_STATUS(pocker.run({"pause", name}), 0, kControl);
  const lab::Outcome twice = pocker.run({"pause", name});
  LAB_EXPECT(twice.status == 125 && twice.err.find("already paused") != std::string::npos,
             "a second `pause` to exit 125 saying it is already paused", twice, kControl);
  lab::RunOptions quick;
  quick.timeout = 10s;
  const lab::Outcome exec = pocker.run({"exec", name, "true"}, quick);
  LAB_EXPECT(exec.status == 125 && exec.err.find("paused") != std::string::npos,
             "`exec` into a paused container to fail at once (125) saying it is paused", exec, kControl);
}

// Catches: stop and rm -f that hang on a paused container (a frozen process acts on no signal until
// it is thawed; on cgroup v1 not even on SIGKILL).
TEST_F(Lv2Control, StopAndRmWorkWhilePaused) {
  const std::string stopped = lab::unique_name("stopped");
  LAB_ASSERT_STATUS(detach({"--init", "--name", stopped, "busybox", "sleep", "30"}), 0, kControl);
  const std::string removed = burner();
  LAB_ASSERT_STATUS(pocker.run({"pause", stopped}), 0, kControl);
  LAB_ASSERT_STATUS(pocker.run({"pause", removed}), 0, kControl);
  lab::RunOptions quick;
  quick.timeout = 8s;  // below stop's own 10 s timeout: a SIGTERM acted on at once, not the SIGKILL
  const lab::Outcome stop = pocker.run({"stop", stopped}, quick);
  LAB_EXPECT_STATUS(stop, 0, kControl);
  EXPECT_EQ(status_of(stopped), "exited") << "  lesson: " << kControl;
  const lab::Outcome rm = pocker.run({"rm", "-f", removed}, quick);
  LAB_EXPECT_STATUS(rm, 0, kControl);
  const lab::Outcome ps = pocker.run({"ps", "-a"});
  LAB_EXPECT(line_with(ps, removed).empty(), "`rm -f` to remove the paused container", ps, kControl);
}

// Catches: stats that do not read the container's own memory counter. 48 MiB written to the
// container's /dev/shm (a tmpfs: its pages are charged to the writer's cgroup) must show within
// 10 % (plus the shell's own few MiB), and the limit given with --memory.
TEST_F(Lv2Control, StatsShowsMemoryWithinTenPercent) {
  const std::string name = lab::unique_name("mem");
  const lab::Outcome run = detach({"--name", name, "--memory", "256m", "busybox", "sh", "-c",
                                   "head -c 50331648 /dev/zero > /dev/shm/fill && echo filled && sleep 30"});
  LAB_ASSERT_STATUS(run, 0, kControl);
  ASSERT_EQ(logs_until(name, "filled").status, 0);
  const lab::Outcome stats = pocker.run({"stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}", name});
  LAB_ASSERT_STATUS(stats, 0, kControl);
  // "NAME 48.3MiB / 256MiB 2"
  std::istringstream words(stats.out);
  std::string shown, used, slash, limit;
  words >> shown >> used >> slash >> limit;
  const double mib = std::strtod(used.c_str(), nullptr) *
                     (used.find("GiB") != std::string::npos ? 1024 : used.find("KiB") != std::string::npos ? 1.0 / 1024 : 1);
  LAB_EXPECT(shown == name && used.find("MiB") != std::string::npos && mib >= 48 && mib <= 48 * 1.1 + 4,
             "`stats` to show about 48 MiB in use (48 to 56.8 MiB) for the container that filled 48 MiB", stats,
             kControl);
  LAB_EXPECT(limit == "256MiB", "`stats` to show the --memory limit 256MiB", stats, kControl);
}

// Catches: top that lists the host's processes, or misses one that exec started: it reads the
// container's cgroup, and shows each process's pid inside the container too.
TEST_F(Lv2Control, TopListsTheContainersProcesses) {
  const std::string name = lab::unique_name("top");
  LAB_ASSERT_STATUS(detach({"--name", name, "busybox", "sleep", "30"}), 0, kControl);
  const pid_t pid = pid_of(name);
  lab::Background exec = pocker.start({"exec", name, "sleep", "29"});
  std::string out;
  const bool both = lc::eventually([&] {
    const lab::Outcome top = pocker.run({"top", name});
    out = top.out;
    return top.status == 0 && out.find("sleep 29") != std::string::npos;
  }, 5s);
  EXPECT_TRUE(both) << "`top` never listed the exec'd `sleep 29`:\n" << out << "\n  lesson: " << kControl;
  bool first = false;
  for (const std::string& line : lc::lines_of(out)) {
    std::istringstream fields(line);
    long host = 0, inner = 0;
    fields >> host >> inner;
    if (host == pid && inner == 1) first = true;
  }
  EXPECT_TRUE(first) << "`top` to list the first process with host pid " << pid << " and container pid 1:\n"
                     << out << "\n  lesson: " << kControl;
  EXPECT_EQ(lc::lines_of(out).size(), 3u) << "`top` to list exactly the two processes (and its header):\n"
                                           << out << "\n  lesson: " << kControl;
  exec.signal(SIGKILL);
  exec.wait();
}

// The memory limit as the container itself sees it in its cgroup (v1 or v2 file), in bytes.
std::string limit_inside(const lab::Pocker& pocker, const std::string& name) {
  const lab::Outcome cat = pocker.run({"exec", name, "sh", "-c",
                                       "cat /sys/fs/cgroup/memory.max 2>/dev/null || "
                                       "cat /sys/fs/cgroup/memory/memory.limit_in_bytes"});
  return lc::trimmed(cat.out);
}

// Catches: update that only rewrites config.json (the running cgroup keeps the old limit), that
// writes the cgroup but forgets config.json (a restart loses it), or that accepts what run refuses.
TEST_F(Lv2Control, UpdateChangesLimitsOfARunningContainer) {
  const std::string name = lab::unique_name("upd");
  LAB_ASSERT_STATUS(detach({"--name", name, "--memory", "64m", "--pids-limit", "100", "busybox", "sleep", "30"}), 0,
                    kControl);
  ASSERT_EQ(limit_inside(pocker, name), "67108864");
  const lab::Outcome update = pocker.run({"update", "--memory", "128m", "--pids-limit", "10", name});
  LAB_ASSERT_STATUS(update, 0, kControl);
  EXPECT_EQ(limit_inside(pocker, name), "134217728")
      << "the running container's cgroup must hold the new --memory at once\n  lesson: " << kControl;
  const lab::Outcome forks = pocker.run({"exec", name, "pocker-probe", "fork", "30"});
  const nlohmann::json report = nlohmann::json::parse(forks.out, nullptr, false);
  EXPECT_TRUE(report.is_object() && report.value("forked", 99LL) < 10)
      << "after update --pids-limit 10, a process in the container forked more than 10 times: " << forks.out
      << "\n  lesson: " << kControl;
  const lab::Outcome bad = pocker.run({"update", "--memory", "1x", name});
  LAB_EXPECT(bad.status == 125, "`update --memory 1x` to exit 125", bad, kControl);
  const lab::Outcome too_many = pocker.run({"update", "--cpus", "1000", name});
  LAB_EXPECT(too_many.status == 125, "`update --cpus 1000` (more CPUs than the host has) to exit 125", too_many,
             kControl);
  EXPECT_EQ(limit_inside(pocker, name), "134217728") << "a refused update must change nothing\n  lesson: "
                                                     << kControl;
  LAB_ASSERT_STATUS(pocker.run({"stop", "-t", "0", name}), 0, kControl);
  LAB_ASSERT_STATUS(pocker.run({"start", name}), 0, kControl);
  EXPECT_EQ(limit_inside(pocker, name), "134217728")
      << "after stop and start the container must keep the updated --memory\n  lesson: " << kControl;
}

}  // namespace
