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
std::map<std::string, std::string> stats_row(const std::string& id, const std::string& name,
                                             const CgroupStats& before, const CgroupStats& after,
                                             double seconds) {
  std::map<std::string, std::string> row;
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

// docker's --format for stats: `{{.Field}}` placeholders, and a leading
// `table` for a header and aligned columns. Unknown fields are an error.
struct StatsFormat {
  bool table = true;
  std::string text;
};

const std::map<std::string, std::string> kStatsHeaders = {
    {"Container", "CONTAINER"}, {"ID", "CONTAINER ID"}, {"Name", "NAME"}, {"CPUPerc", "CPU %"},
    {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"}, {"PIDs", "PIDS"}};

Result<std::string> expand(const std::string& format, const std::map<std::string, std::string>& row) {
  std::string out;
  size_t at = 0;
  while (true) {
    size_t open = format.find("{{", at);
    if (open == std::string::npos) break;
    size_t close = format.find("}}", open);
    if (close == std::string::npos) return user_error("--format \"{}\": an unclosed {{{{", format);
    std::string field = format.substr(open + 2, close - open - 2);
    field.erase(0, field.find_first_not_of(' '));
    field.erase(field.find_last_not_of(' ') + 1);
    if (field.empty() || field[0] != '.' || !row.count(field.substr(1))) {
      return user_error("--format: unknown field \"{}\" (known: .Container .ID .Name .CPUPerc .MemUsage .MemPerc .PIDs)",
                        field);
    }
    out += format.substr(at, open - at) + row.at(field.substr(1));
    at = close + 2;
  }
  out += format.substr(at);
  // docker's escapes in a format: \t and \n.
  for (size_t tab; (tab = out.find("\\t")) != std::string::npos;) out.replace(tab, 2, "\t");
  for (size_t nl; (nl = out.find("\\n")) != std::string::npos;) out.replace(nl, 2, "\n");
  return out;
}

const char* kDefaultStats =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.PIDs}}";

// Prints rows; with `table`, a header first and the columns aligned.
Result<void> print_stats(const StatsFormat& format, const std::vector<std::map<std::string, std::string>>& rows) {
  std::vector<std::vector<std::string>> lines;
  if (format.table) {
    TRY(expand(format.text, kStatsHeaders));  // the same check for the header
    std::map<std::string, std::string> header = kStatsHeaders;
    lines.push_back({});
    std::string text = TRY(expand(format.text, header));
    for (size_t start = 0;;) {
      size_t tab = text.find('\t', start);
      lines.back().push_back(text.substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
  }
  for (const auto& row : rows) {
    std::string text = TRY(expand(format.text, row));
    if (!format.table) {
      std::printf("%s\n", text.c_str());
      continue;
    }
    lines.push_back({});
    for (size_t start = 0;;) {
      size_t tab = text.find('\t', start);
      lines.back().push_back(text.substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
  }
  std::vector<size_t> widths;
  for (const auto& cells : lines) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], cells[i].size());
    }
  }
  for (const auto& cells : lines) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(widths[i] - cells[i].size() + 3, ' ');
    }
    std::printf("%s\n", text.c_str());
  }
  std::fflush(stdout);
  return ok();
}

int do_stats(const Globals& globals, const std::vector<std::string>& refs, bool no_stream,
             const std::string& format_text) {
  StateStore store(globals.root);
  StatsFormat format;
  std::string text = format_text.empty() ? kDefaultStats : format_text;
  format.table = text.rfind("table", 0) == 0;
  format.text = format.table ? text.substr(text.find_first_not_of(' ', 5) == std::string::npos
                                               ? text.size()
                                               : text.find_first_not_of(' ', 5))
                             : text;
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
    std::vector<std::map<std::string, std::string>> rows;
    for (const auto& [id, name] : chosen) {
      auto usage = container_usage(store, id);
      if (!usage) continue;  // it ended: no row, as docker drops it
      rows.push_back(stats_row(id, name, last.count(id) ? last[id] : usage.value(), usage.value(), seconds));
      last[id] = usage.value();
    }
    if (terminal && !no_stream) std::printf("\033[2J\033[H");  // redraw in place
    if (auto printed = print_stats(format, rows); !printed) {
      print_error(printed.error().message());
      return kExitPockerFailed;
    }
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
