// ps, logs, stop, start, restart, kill, rm, wait, inspect: thin wrappers
// over pocker/lifecycle.hpp. Each resolves names and id prefixes first.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "commands.hpp"
#include "template.hpp"
#include "pocker/collect.hpp"
#include "pocker/control.hpp"
#include "pocker/fs.hpp"
#include "pocker/image.hpp"
#include "pocker/lifecycle.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {
namespace {

}  // namespace

int for_each_container(const Globals& globals, const std::vector<std::string>& refs,
                       const std::function<Result<void>(StateStore&, const std::string& id)>& action,
                       bool print_ref, bool collect) {
  StateStore store(globals.root);
  if (collect) collect_orphans(store);
  int code = 0;
  for (const auto& ref : refs) {
    auto id = store.resolve(ref);
    Result<void> done = id ? action(store, id.value()) : Result<void>(std::move(id).error());
    if (!done) {
      print_error(done.error().message());
      code = kExitPockerFailed;
    } else if (print_ref) {
      std::printf("%s\n", ref.c_str());
    }
  }
  return code;
}

namespace {

std::string short_command(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  if (out.size() > 30) out = out.substr(0, 27) + "...";
  return "\"" + out + "\"";
}

// ps --format's fields, and its table header.
const nlohmann::json kPsHeader = {{"ID", "CONTAINER ID"}, {"Image", "IMAGE"}, {"Command", "COMMAND"},
                                  {"Status", "STATUS"},   {"Names", "NAMES"}, {"State", "STATE"},
                                  {"CreatedAt", "CREATED AT"}};

// ps --filter KEY=VALUE, as docker combines them: values of one key are
// alternatives (any may match), different keys must all match.
using Filters = std::map<std::string, std::vector<std::string>>;

Result<Filters> parse_filters(const std::vector<std::string>& texts) {
  static const std::set<std::string> kKeys = {"id", "name", "status", "label", "ancestor"};
  static const std::set<std::string> kStatuses = {"created", "restarting", "running", "removing",
                                                  "paused",  "exited",     "dead"};
  Filters filters;
  for (const auto& text : texts) {
    size_t eq = text.find('=');
    std::string key = text.substr(0, eq);
    if (eq == std::string::npos || !kKeys.count(key)) {
      return user_error("ps: invalid filter '{}' (use id=, name=, status=, label= or ancestor=)", text);
    }
    std::string value = text.substr(eq + 1);
    if (key == "status" && !kStatuses.count(value)) {
      return user_error("ps: invalid filter '{}': the status is one of created, restarting, running, "
                        "removing, paused, exited, dead", text);
    }
    filters[key].push_back(value);
  }
  return filters;
}

// Whether container `id` passes the filters. `status` is docker's word
// for its state (running, paused, exited...).
bool passes(const Filters& filters, const std::string& id, const std::string& name, const std::string& status,
            const ContainerSpec* spec) {
  auto any = [&](const char* key, auto match) {
    auto it = filters.find(key);
    return it == filters.end() || std::any_of(it->second.begin(), it->second.end(), match);
  };
  auto ancestor = [&](const std::string& ref) {
    if (!spec || !spec->rootfs_is_image) return false;
    // By the name it was run with, its full reference, or its image id.
    auto full = normalized_reference(ref);
    std::string digest = spec->image_id;
    std::string hex = digest.substr(digest.find(':') + 1);
    return ref == spec->image || (full && full.value() == spec->image_ref) ||
           (ref.size() >= 4 && (digest.rfind(ref, 0) == 0 || hex.rfind(ref, 0) == 0));
  };
  return any("id", [&](const std::string& v) { return id.rfind(v, 0) == 0; }) &&
         any("name", [&](const std::string& v) { return name.find(v) != std::string::npos; }) &&
         any("status", [&](const std::string& v) { return v == status; }) &&
         any("label", [](const std::string&) { return false; }) &&  // pocker's containers carry no labels
         any("ancestor", ancestor);
}

int do_ps(const Globals& globals, bool all, bool quiet, const std::string& format,
          const std::vector<std::string>& filter_texts) {
  auto filters = parse_filters(filter_texts);
  if (!filters) {
    print_error(filters.error().message());
    return kExitPockerFailed;
  }
  // A status filter looks at every container, as docker's does.
  if (filters.value().count("status")) all = true;
  StateStore store(globals.root);
  collect_orphans(store);  // never list a --rm container whose pocker died
  std::vector<nlohmann::json> rows;  // with --format
  if (!format.empty() && !quiet) {
    if (auto checked = check_format(format, kPsHeader); !checked) {
      print_error(checked.error().message());
      return kExitPockerFailed;
    }
  }
  if (!quiet && format.empty()) {
    std::printf("%-12s  %-10s  %-32s  %-20s  %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "STATUS",
                "NAMES");
  }
  for (const auto& id : store.list()) {
    auto state = store.load(id);
    auto spec = store.load_spec(id);
    // No config.json at all: a pocker killed while it made the container.
    // Its state says `created`; only the image and command are unknown.
    bool half_made = state && !spec && spec.error().err() == ENOENT;
    if (!state || (!spec && !half_made)) {
      // Listed all the same, so that it is not forgotten: `rm -f` removes it.
      if (!all || !filters.value().empty()) continue;
      if (quiet) {
        std::printf("%s\n", id.substr(0, 12).c_str());
        continue;
      }
      std::string why = unreadable_reason(store, id, !state ? state.error() : spec.error());
      if (!format.empty()) {
        rows.push_back({{"ID", id.substr(0, 12)}, {"Image", "?"}, {"Command", "?"},
                        {"Status", fmt::format("unknown ({})", why)},
                        {"Names", state ? state.value().name : store.name_of(id)}, {"State", "unknown"},
                        {"CreatedAt", ""}});
        continue;
      }
      std::printf("%-12s  %-10s  %-32s  %-20s  %s\n", id.substr(0, 12).c_str(), "?", "?",
                  fmt::format("unknown ({})", why).c_str(),
                  (state ? state.value().name : store.name_of(id)).c_str());
      continue;
    }
    const auto& s = state.value();
    if (!all && s.status != "running") continue;
    const bool paused = s.status == "running" && container_paused(id);
    if (!passes(filters.value(), id, s.name, paused ? "paused" : s.status, spec ? &spec.value() : nullptr)) {
      continue;
    }
    if (quiet) {
      std::printf("%s\n", id.substr(0, 12).c_str());
      continue;
    }
    std::string status = s.status == "running" ? (paused ? "Up (Paused)" : "Up")
                         : s.status == "exited" ? fmt::format("Exited ({})", s.exit_code)
                         : s.status == "dead"   ? "Dead"
                                                : "Created";
    std::string image = half_made ? "?" : spec.value().image.empty() ? "(rootfs)" : spec.value().image;
    std::string command = half_made ? "?" : short_command(spec.value().process.args);
    if (!format.empty()) {
      rows.push_back({{"ID", id.substr(0, 12)}, {"Image", image}, {"Command", command}, {"Status", status},
                      {"Names", s.name}, {"State", s.status}, {"CreatedAt", s.created_at}});
      continue;
    }
    std::printf("%-12s  %-10s  %-32s  %-20s  %s\n", id.substr(0, 12).c_str(), image.c_str(),
                command.c_str(), status.c_str(), s.name.c_str());
  }
  if (auto printed = print_rows(format, rows, kPsHeader); !format.empty() && !printed) {
    print_error(printed.error().message());
    return kExitPockerFailed;
  }
  return 0;
}

// Bytes in the regular files under `dir` (what removing it gives back).
uint64_t bytes_under(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           dir, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec) && !it->is_symlink(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

// `container prune`: every container that is not running (created,
// exited, dead), as `rm` would remove each; docker's output.
int do_prune(const Globals& globals, bool force) {
  if (!force) {
    std::printf("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
    std::fflush(stdout);
    char answer[16] = {};
    if (!std::fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y')) return 0;
  }
  StateStore store(globals.root);
  collect_orphans(store);
  std::vector<std::string> removed;
  uint64_t reclaimed = 0;
  int code = 0;
  for (const auto& id : store.list()) {
    auto state = store.load(id);
    if (!state || state.value().status == "running") continue;  // unreadable: `rm -f` decides
    uint64_t size = bytes_under(store.dir(id));
    auto done = remove_container(store, id, false);
    // Started again meanwhile, or removed by another pocker: not an error of prune's.
    if (!done && done.error().message().find("is running") == std::string::npos &&
        done.error().err() != ENOENT) {
      print_error(done.error().message());
      code = kExitPockerFailed;
      continue;
    }
    if (done) {
      removed.push_back(id);
      reclaimed += size;
    }
  }
  if (!removed.empty()) {
    std::printf("Deleted Containers:\n");
    for (const auto& id : removed) std::printf("%s\n", id.c_str());
    std::printf("\n");
  }
  std::printf("Total reclaimed space: %s\n", bytes_text(reclaimed).c_str());
  return code;
}

// The last `tail` lines of `text` (all if tail < 0).
std::string last_lines(const std::string& text, long tail) {
  if (tail < 0) return text;
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (long n = 0; n < tail; ++n) {
    size_t nl = pos == 0 ? std::string::npos : text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
    if (n + 1 == tail) return text.substr(nl + 1);
  }
  return tail == 0 ? std::string() : text;
}

int do_logs(const Globals& globals, const std::string& ref, bool follow, long tail) {
  StateStore store(globals.root);
  auto id = store.resolve(ref);
  if (!id) {
    print_error(id.error().message());
    return kExitPockerFailed;
  }
  std::string path = store.log_path(id.value());
  auto text = read_file(path);
  std::string content = text ? text.value() : "";
  std::string shown = last_lines(content, tail);
  std::fwrite(shown.data(), 1, shown.size(), stdout);
  std::fflush(stdout);
  if (!follow) return 0;
  // Follow: print what is appended until the container is no longer running.
  size_t offset = content.size();
  while (true) {
    auto state = store.load(id.value());
    bool running = state && state.value().status == "running";
    auto now = read_file(path);
    if (now && now.value().size() > offset) {
      std::fwrite(now.value().data() + offset, 1, now.value().size() - offset, stdout);
      std::fflush(stdout);
      offset = now.value().size();
    }
    if (!running) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

void add_container_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  {
    auto* ps = app.add_subcommand("ps", "list containers");
    auto all = std::make_shared<bool>(false);
    auto quiet = std::make_shared<bool>(false);
    ps->add_flag("-a,--all", *all, "show all containers, not only running ones");
    auto format = std::make_shared<std::string>();
    ps->add_flag("-q,--quiet", *quiet, "only print ids");
    ps->add_option("--format", *format,
                   "a template: {{.ID}} {{.Image}} {{.Command}} {{.Status}} {{.Names}} {{.State}} "
                   "{{.CreatedAt}}, `table` first for a header");
    auto filters = std::make_shared<std::vector<std::string>>();
    ps->add_option("-f,--filter", *filters,
                   "only containers that match: id=, name=, status=, label=, ancestor= "
                   "(one key given twice: either; two keys: both)")
        ->allow_extra_args(false);
    ps->callback([&, all, quiet, format, filters] {
      handler = [&, all, quiet, format, filters] { return do_ps(globals, *all, *quiet, *format, *filters); };
    });
  }
  {
    auto* container = app.add_subcommand("container", "manage containers as a group");
    container->require_subcommand(1);
    auto* prune = container->add_subcommand("prune", "remove every container that is not running");
    auto force = std::make_shared<bool>(false);
    prune->add_flag("-f,--force", *force, "do not ask for confirmation");
    prune->callback([&, force] { handler = [&, force] { return do_prune(globals, *force); }; });
  }
  {
    auto* logs = app.add_subcommand("logs", "print a container's output");
    auto ref = std::make_shared<std::string>();
    auto follow = std::make_shared<bool>(false);
    auto tail = std::make_shared<long>(-1);
    logs->add_flag("-f,--follow", *follow, "keep printing new output until the container ends");
    logs->add_option("--tail,-n", *tail, "only the last N lines");
    logs->add_option("container", *ref, "name or id")->required();
    logs->callback([&, ref, follow, tail] {
      handler = [&, ref, follow, tail] { return do_logs(globals, *ref, *follow, *tail); };
    });
  }
  {
    auto* stop = app.add_subcommand("stop", "stop containers: SIGTERM, then SIGKILL");
    auto refs = std::make_shared<std::vector<std::string>>();
    auto timeout = std::make_shared<double>(10);
    stop->add_option("-t,--time", *timeout, "seconds to wait before SIGKILL (default 10)");
    stop->add_option("containers", *refs, "names or ids")->required();
    stop->callback([&, refs, timeout] {
      handler = [&, refs, timeout] {
        return for_each_container(globals, *refs, [&](StateStore& s, const std::string& id) {
          return stop_container(s, id, *timeout);
        }, true);
      };
    });
  }
  {
    auto* kill = app.add_subcommand("kill", "send a signal to containers");
    auto refs = std::make_shared<std::vector<std::string>>();
    auto signal = std::make_shared<std::string>("KILL");
    kill->add_option("-s,--signal", *signal, "signal to send (default KILL)");
    kill->add_option("containers", *refs, "names or ids")->required();
    kill->callback([&, refs, signal] {
      handler = [&, refs, signal] {
        auto number = parse_signal(*signal);
        if (!number) {
          print_error(number.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        return for_each_container(globals, *refs, [&](StateStore& s, const std::string& id) {
          return kill_container(s, id, number.value());
        }, true);
      };
    });
  }
  {
    auto* rm = app.add_subcommand("rm", "remove containers");
    auto refs = std::make_shared<std::vector<std::string>>();
    auto force = std::make_shared<bool>(false);
    rm->add_flag("-f,--force", *force, "kill running containers first");
    // A container's anonymous volumes (its image's Volumes) live in its
    // state directory and always go with it: pocker has no `volume`
    // command that could find them later. -v is accepted, as in docker.
    auto volumes = std::make_shared<bool>(false);
    rm->add_flag("-v,--volumes", *volumes, "remove the container's anonymous volumes (always done)");
    rm->add_option("containers", *refs, "names or ids")->required();
    rm->callback([&, refs, force] {
      handler = [&, refs, force] {
        return for_each_container(globals, *refs, [&](StateStore& s, const std::string& id) {
          return remove_container(s, id, *force);
        }, true, /*collect=*/true);
      };
    });
  }
  {
    auto* rename = app.add_subcommand("rename", "give a container a new name");
    auto ref = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    rename->add_option("container", *ref, "name or id")->required();
    rename->add_option("name", *name, "the new name")->required();
    rename->callback([&, ref, name] {
      handler = [&, ref, name] {
        return for_each_container(globals, {*ref}, [&](StateStore& s, const std::string& id) {
          return rename_container(s, id, *name);
        }, false);
      };
    });
  }
  {
    auto* wait = app.add_subcommand("wait", "wait for a container to end and print its exit code");
    auto ref = std::make_shared<std::string>();
    wait->add_option("container", *ref, "name or id")->required();
    wait->callback([&, ref] {
      handler = [&, ref] {
        StateStore store(globals.root);
        auto id = store.resolve(*ref);
        auto code = id ? wait_container(store, id.value()) : Result<int>(std::move(id).error());
        if (!code) {
          print_error(code.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        std::printf("%d\n", code.value());
        return 0;
      };
    });
  }
  {
    auto* inspect = app.add_subcommand("inspect", "show a container's (or an image's) state and configuration as JSON");
    auto ref = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>();
    inspect->add_option("-f,--format", *format, "a template, e.g. {{.State.Status}} or {{json .Config}}");
    inspect->add_option("container", *ref, "name or id of a container, or an image")->required();
    inspect->callback([&, ref, format] {
      handler = [&, ref, format] {
        StateStore store(globals.root);
        auto id = store.resolve(*ref);
        auto json = id ? inspect_container(store, id.value()) : Result<std::string>(std::move(id).error());
        // No such container: an image of that name, as docker does.
        if (!id) {
          if (auto image = inspect_image(globals, *ref)) json = std::move(image);
        }
        if (!json) {
          print_error(json.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        if (!format->empty()) {
          nlohmann::json data = nlohmann::json::parse(json.value());
          if (data.is_array() && data.size() == 1) data = data[0];  // an image's, docker's shape
          auto shown = render_template(*format, data);
          if (!shown) {
            print_error(shown.error().message());
            return static_cast<int>(kExitPockerFailed);
          }
          std::printf("%s\n", shown.value().c_str());
          return 0;
        }
        std::printf("%s\n", json.value().c_str());
        return 0;
      };
    });
  }
  for (const char* name : {"start", "restart"}) {
    bool restart = std::string(name) == "restart";
    auto* cmd = app.add_subcommand(name, restart ? "stop, then start a container again"
                                                 : "start a stopped container again");
    auto ref = std::make_shared<std::string>();
    auto attach = std::make_shared<bool>(false);
    if (!restart) cmd->add_flag("-a,--attach", *attach, "stay attached, as with run");
    cmd->add_option("container", *ref, "name or id")->required();
    cmd->callback([&, ref, attach, restart] {
      handler = [&, ref, attach, restart] {
        StateStore store(globals.root);
        collect_orphans(store);
        auto id = store.resolve(*ref);
        if (!id) {
          print_error(id.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        if (restart) return restart_container(store, id.value(), 10);
        return start_container(store, id.value(), *attach);
      };
    });
  }
  add_attach(app, globals, handler);
  add_filesystem_commands(app, globals, handler);
}

}  // namespace pocker::cli
