// pause, unpause, stats, top: thin wrappers over pocker/control.hpp.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

#include "commands.hpp"
#include "resource_flags.hpp"
#include "template.hpp"
#include "pocker/control.hpp"
#include "pocker/fs.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {

// docker's units: powers of 1024, written KiB, MiB, GiB.
std::string bytes_text(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{}B", bytes) : fmt::format("{:.4g}{}", value, units[unit]);
}

namespace {

// The memory of the machine: the limit of a container without one.
uint64_t host_memory() {
  auto text = read_file("/proc/meminfo");
  if (!text) return 0;
  // "MemTotal:       24563844 kB"
  size_t at = text.value().find("MemTotal:");
  if (at == std::string::npos) return 0;
  return std::strtoull(text.value().c_str() + at + 9, nullptr, 10) * 1024;
}

// One row of `stats`: the fields docker's --format names.
nlohmann::json stats_row(const std::string& id, const std::string& name,
                                             const CgroupStats& before, const CgroupStats& after,
                                             double seconds) {
  nlohmann::json row;
  row["ID"] = row["Container"] = id.substr(0, 12);
  row["Name"] = name;
  // 100 % is one CPU kept busy for the whole interval, as docker counts.
  double cpu = 0;
  if (before.cpu_usage_usec && after.cpu_usage_usec && seconds > 0 && *after.cpu_usage_usec >= *before.cpu_usage_usec) {
    cpu = static_cast<double>(*after.cpu_usage_usec - *before.cpu_usage_usec) / (seconds * 1e6) * 100;
  }
  row["CPUPerc"] = fmt::format("{:.2f}%", cpu);
  uint64_t used = after.memory_current.value_or(0);
  uint64_t limit = after.memory_limit ? *after.memory_limit : host_memory();
  row["MemUsage"] = bytes_text(used) + " / " + bytes_text(limit);
  row["MemPerc"] = fmt::format("{:.2f}%", limit ? static_cast<double>(used) / static_cast<double>(limit) * 100 : 0.0);
  row["PIDs"] = after.pids_current ? std::to_string(*after.pids_current) : "--";
  return row;
}

const nlohmann::json kStatsHeader = {
    {"Container", "CONTAINER"}, {"ID", "CONTAINER ID"}, {"Name", "NAME"}, {"CPUPerc", "CPU %"},
    {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"}, {"PIDs", "PIDS"}};

const char* kDefaultStats =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.PIDs}}";

int do_stats(const Globals& globals, const std::vector<std::string>& refs, bool no_stream,
             const std::string& format_text) {
  StateStore store(globals.root);
  const std::string format = format_text.empty() ? kDefaultStats : format_text;
  // A bad format fails before any waiting.
  if (auto checked = check_format(format, kStatsHeader); !checked) {
    print_error(checked.error().message());
    return kExitPockerFailed;
  }
  // Which containers: those named, or every running one.
  std::vector<std::pair<std::string, std::string>> chosen;  // id, name
  for (const auto& ref : refs) {
    auto id = store.resolve(ref);
    if (!id) {
      print_error(id.error().message());
      return kExitPockerFailed;
    }
    auto state = store.load(id.value());
    if (!state || state.value().status != "running") {
      print_error(fmt::format("container {} is not running", ref));
      return kExitPockerFailed;
    }
    chosen.emplace_back(id.value(), state.value().name);
  }
  if (refs.empty()) {
    for (const auto& id : store.list()) {
      auto state = store.load(id);
      if (state && state.value().status == "running") chosen.emplace_back(id, state.value().name);
    }
  }
  const bool terminal = ::isatty(STDOUT_FILENO);
  std::map<std::string, CgroupStats> last;
  auto sampled_at = std::chrono::steady_clock::now();
  for (const auto& [id, name] : chosen) {
    auto usage = container_usage(store, id);
    if (usage) last[id] = usage.value();
  }
  // The first figures come after a short interval: CPU % needs two samples.
  auto interval = no_stream ? std::chrono::milliseconds(500) : std::chrono::milliseconds(1000);
  while (true) {
    std::this_thread::sleep_for(interval);
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - sampled_at).count();
    sampled_at = now;
    std::vector<nlohmann::json> rows;
    for (const auto& [id, name] : chosen) {
      auto usage = container_usage(store, id);
      if (!usage) continue;  // it ended: no row, as docker drops it
      rows.push_back(stats_row(id, name, last.count(id) ? last[id] : usage.value(), usage.value(), seconds));
      last[id] = usage.value();
    }
    if (terminal && !no_stream) std::printf("\033[2J\033[H");  // redraw in place
    if (auto printed = print_rows(format, rows, kStatsHeader); !printed) {
      print_error(printed.error().message());
      return kExitPockerFailed;
    }
    std::fflush(stdout);
    if (no_stream) return 0;
    if (rows.empty() && !chosen.empty()) return 0;  // every one it showed has ended
  }
}

int do_top(const Globals& globals, const std::string& ref) {
  StateStore store(globals.root);
  auto id = store.resolve(ref);
  auto processes = id ? container_processes(store, id.value())
                      : Result<std::vector<ContainerProcess>>(std::move(id).error());
  if (!processes) {
    print_error(processes.error().message());
    return kExitPockerFailed;
  }
  std::printf("%-8s  %-13s  %-8s  %s\n", "PID", "CONTAINER PID", "USER", "COMMAND");
  for (const auto& p : processes.value()) {
    struct passwd* pw = ::getpwuid(p.uid);
    std::string user = pw ? pw->pw_name : std::to_string(p.uid);
    std::printf("%-8d  %-13d  %-8s  %s\n", p.pid, p.container_pid, user.c_str(), p.command.c_str());
  }
  return 0;
}

}  // namespace

void add_control_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  for (const char* name : {"pause", "unpause"}) {
    bool pause = std::string(name) == "pause";
    auto* cmd = app.add_subcommand(name, pause ? "freeze every process of running containers"
                                               : "thaw paused containers");
    auto refs = std::make_shared<std::vector<std::string>>();
    cmd->add_option("containers", *refs, "names or ids")->required();
    cmd->callback([&, refs, pause] {
      handler = [&, refs, pause] {
        return for_each_container(globals, *refs, [pause](StateStore& s, const std::string& id) {
          return pause ? pause_container(s, id) : unpause_container(s, id);
        }, true);
      };
    });
  }
  {
    auto* stats = app.add_subcommand("stats", "show the CPU, memory and pids use of running containers");
    auto refs = std::make_shared<std::vector<std::string>>();
    auto no_stream = std::make_shared<bool>(false);
    auto format = std::make_shared<std::string>();
    stats->add_flag("--no-stream", *no_stream, "print one sample and exit");
    stats->add_option("--format", *format,
                      "a template: {{.ID}} {{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}} {{.PIDs}}, "
                      "`table` first for a header");
    stats->add_option("containers", *refs, "names or ids (default: every running one)");
    stats->callback([&, refs, no_stream, format] {
      handler = [&, refs, no_stream, format] { return do_stats(globals, *refs, *no_stream, *format); };
    });
  }
  {
    auto* update = app.add_subcommand("update", "change the limits of containers, running or not");
    auto refs = std::make_shared<std::vector<std::string>>();
    auto flags = std::make_shared<ResourceFlags>();
    add_resource_flags(update, *flags);
    update->add_option("containers", *refs, "names or ids")->required();
    update->callback([&, refs, flags] {
      handler = [&, refs, flags] {
        auto changes = parse_resources(*flags);
        if (!changes) {
          print_error(changes.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        return for_each_container(globals, *refs, [&](StateStore& s, const std::string& id) -> Result<void> {
          auto warnings = TRY(update_container(s, id, changes.value()));
          for (const auto& warning : warnings) print_error("warning: " + warning);
          return ok();
        }, true);
      };
    });
  }
  {
    auto* top = app.add_subcommand("top", "list a container's processes, with host and container pids");
    auto ref = std::make_shared<std::string>();
    top->add_option("container", *ref, "name or id")->required();
    top->callback([&, ref] { handler = [&, ref] { return do_top(globals, *ref); }; });
  }
}

}  // namespace pocker::cli
