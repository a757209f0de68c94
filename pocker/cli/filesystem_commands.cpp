// diff, export and system df: a container's files, and what the store's
// images and containers take on disk (pocker/changes.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "commands.hpp"
#include "pocker/changes.hpp"
#include "pocker/image.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {
namespace {

int do_diff(const Globals& globals, const std::string& ref) {
  StateStore store(globals.root);
  auto id = store.resolve(ref);
  auto changes = id ? container_changes(store, id.value()) : Result<std::vector<Change>>(std::move(id).error());
  if (!changes) {
    print_error(changes.error().message());
    return kExitPockerFailed;
  }
  for (const Change& c : changes.value()) std::printf("%c %s\n", c.kind, c.path.c_str());
  return 0;
}

int do_export(const Globals& globals, const std::string& ref, const std::string& output) {
  StateStore store(globals.root);
  auto id = store.resolve(ref);
  if (!id) {
    print_error(id.error().message());
    return kExitPockerFailed;
  }
  if (output.empty() && ::isatty(STDOUT_FILENO)) {
    print_error("refusing to write a tar to a terminal: use -o FILE or redirect the output");
    return kExitPockerFailed;
  }
  int fd = STDOUT_FILENO;
  if (!output.empty()) {
    fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      print_error(sys_error("export: open {}", output).message());
      return kExitPockerFailed;
    }
  }
  auto done = export_container(store, id.value(), fd);
  if (fd != STDOUT_FILENO) ::close(fd);
  if (!done) {
    if (!output.empty()) ::unlink(output.c_str());  // no half a tar left behind
    print_error(done.error().message());
    return kExitPockerFailed;
  }
  return 0;
}

// docker's sizes for `system df`: decimal units, four significant digits.
std::string decimal_size(uint64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1000 && unit + 1 < std::size(units)) {
    value /= 1000;
    ++unit;
  }
  return fmt::format("{:.4g}{}", value, units[unit]);
}

std::string reclaimable(uint64_t part, uint64_t whole) {
  if (whole == 0) return decimal_size(part);
  return fmt::format("{} ({}%)", decimal_size(part), part * 100 / whole);
}

// Bytes of the regular files under `dir` (what removing it would free).
uint64_t disk_bytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  namespace fs = std::filesystem;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec) && !it->is_symlink(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

int do_system_df(const Globals& globals) {
  StateStore store(globals.root);
  // Containers: running ones are active; a stopped one's writable layer is
  // what `container prune` would give back.
  uint64_t containers = 0, running = 0, container_bytes = 0, stopped_bytes = 0;
  std::set<std::string> used_images;
  for (const std::string& id : store.list()) {
    auto state = store.load(id);
    auto spec = store.load_spec(id);
    ++containers;
    uint64_t bytes = disk_bytes(store.dir(id) + "/upper");
    container_bytes += bytes;
    if (state && state.value().status == "running") {
      ++running;
    } else {
      stopped_bytes += bytes;
    }
    if (spec && !spec.value().image_id.empty()) used_images.insert(spec.value().image_id);
  }
  // Images, once per id (two tags of one image are one image); one a
  // container uses is active and cannot be reclaimed.
  std::map<std::string, uint64_t> images;
  if (auto listed = list_images(StoreRoot{globals.root})) {
    for (const StoredImage& image : listed.value()) {
      uint64_t size = 0;
      for (const auto& layer : image.parsed.layers) size += static_cast<uint64_t>(layer.size);
      images[image.parsed.config.digest] = size;
    }
  } else {
    print_error(listed.error().message());
    return kExitPockerFailed;
  }
  uint64_t image_bytes = 0, unused_bytes = 0, active = 0;
  for (const auto& [digest, size] : images) {
    image_bytes += size;
    if (used_images.count(digest)) {
      ++active;
    } else {
      unused_bytes += size;
    }
  }
  const char* row = "%-15s %-9s %-9s %-9s %s\n";
  std::printf(row, "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
  std::printf(row, "Images", std::to_string(images.size()).c_str(), std::to_string(active).c_str(),
              decimal_size(image_bytes).c_str(), reclaimable(unused_bytes, image_bytes).c_str());
  std::printf(row, "Containers", std::to_string(containers).c_str(), std::to_string(running).c_str(),
              decimal_size(container_bytes).c_str(), reclaimable(stopped_bytes, container_bytes).c_str());
  // pocker has bind mounts (-v) and tmpfs, but no named volumes of its own.
  std::printf(row, "Local Volumes", "0", "0", "0B", "0B");
  std::printf(row, "Build Cache", "0", "0", "0B", "0B");
  return 0;
}

}  // namespace

void add_filesystem_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  {
    auto* diff = app.add_subcommand("diff", "list the files a container added (A), changed (C) or deleted (D)");
    auto ref = std::make_shared<std::string>();
    diff->add_option("container", *ref, "name or id")->required();
    diff->footer("Reads the container's writable layer (the overlay's upper directory), running or not.");
    diff->callback([&, ref] { handler = [&, ref] { return do_diff(globals, *ref); }; });
  }
  {
    auto* exp = app.add_subcommand("export", "write a container's file system as a tar (to stdout, or -o FILE)");
    auto ref = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    exp->add_option("-o,--output", *output, "write to this file instead of stdout");
    exp->add_option("container", *ref, "name or id")->required();
    exp->footer("The tar holds / as the container sees it, without what is mounted on it\n"
                "(/proc, /dev, volumes). `pocker import FILE REF` makes an image of it.");
    exp->callback([&, ref, output] { handler = [&, ref, output] { return do_export(globals, *ref, *output); }; });
  }
  {
    auto* system = app.add_subcommand("system", "the store as a whole");
    system->require_subcommand(1);
    auto* df = system->add_subcommand("df", "what images and containers take on disk, and what could be freed");
    df->callback([&] { handler = [&] { return do_system_df(globals); }; });
  }
}

}  // namespace pocker::cli
