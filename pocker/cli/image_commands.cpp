// images, rmi, tag, import, history and image prune: thin wrappers over
// pocker/image.hpp; and the image half of `inspect`. save and load are in
// archive_commands.cpp. Each is also a subcommand of `image` (image ls,
// image rm, image inspect, ...), as in docker.
#include <time.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "template.hpp"
#include "pocker/image.hpp"
#include "pocker/reference.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {
namespace {

int failed(const Error& error) {
  print_error(error.message());
  return kExitPockerFailed;
}

// `docker.io/library/busybox:latest` → {"busybox", "latest"}.
std::pair<std::string, std::string> repo_and_tag(const std::string& name) {
  auto ref = parse_reference(name);
  if (!ref) return {name, ""};
  Reference bare = ref.value();
  bare.tag.clear();
  bare.digest.clear();
  return {bare.familiar(), ref.value().tag};
}

std::string short_id(const StoredImage& image) {
  return digest_hex(image.parsed.config.digest).substr(0, 12);
}

// docker's "2 hours ago", from the config's RFC 3339 `created`.
std::string age(const std::string& created) {
  struct tm tm {};
  if (created.empty() || !::strptime(created.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "N/A";
  long seconds = static_cast<long>(::time(nullptr) - ::timegm(&tm));
  if (seconds < 60) return "Less than a minute ago";
  for (auto [unit, size] : {std::pair{"years", 365L * 86400}, std::pair{"months", 30L * 86400},
                            std::pair{"weeks", 7L * 86400}, std::pair{"days", 86400L},
                            std::pair{"hours", 3600L}, std::pair{"minutes", 60L}}) {
    if (seconds >= 2 * size) return fmt::format("{} {} ago", seconds / size, unit);
  }
  return seconds >= 3600 ? "About an hour ago" : "About a minute ago";
}

// Docker's units: decimal, three significant digits.
std::string human_size(long long bytes) {
  if (bytes < 1000) return fmt::format("{}B", bytes);
  double value = static_cast<double>(bytes);
  const char* units[] = {"kB", "MB", "GB", "TB"};
  int unit = -1;
  while (value >= 1000 && unit < 3) {
    value /= 1000;
    ++unit;
  }
  return fmt::format("{:.3g}{}", value, units[unit]);
}

long long image_size(const StoredImage& image) {
  long long size = 0;
  for (const auto& layer : image.parsed.layers) size += layer.size;
  return size;
}

int do_images(const Globals& globals, bool quiet, bool digests) {
  auto images = list_images(StoreRoot{globals.root});
  if (!images) return failed(images.error());
  if (!quiet) {
    std::printf("%-30s %-12s ", "REPOSITORY", "TAG");
    if (digests) std::printf("%-71s ", "DIGEST");
    std::printf("%-14s %-24s %s\n", "IMAGE ID", "CREATED", "SIZE");
  }
  for (const auto& image : images.value()) {
    if (quiet) {
      std::printf("%s\n", short_id(image).c_str());
      continue;
    }
    auto [repo, tag] = repo_and_tag(image.name);
    std::printf("%-30s %-12s ", repo.c_str(), tag.c_str());
    // The manifest's digest: what `repo@sha256:...` names, and a registry.
    if (digests) std::printf("%-71s ", image.manifest.digest.c_str());
    std::printf("%-14s %-24s %s\n", short_id(image).c_str(), age(image.config.created).c_str(),
                human_size(image_size(image)).c_str());
  }
  return 0;
}

// docker history: newest step first; the image id on the top row only
// (docker knows ids of the steps it built itself), the layer's size on
// the steps that made one.
int do_history(const Globals& globals, const std::string& text, bool quiet, bool no_trunc) {
  auto found = find_image(StoreRoot{globals.root}, text);
  if (!found) return failed(found.error());
  const StoredImage& image = found.value();
  std::vector<HistoryEntry> steps = image.config.history;
  if (steps.empty()) {
    // No history: one row per layer, as docker shows such an image.
    for (size_t i = 0; i < image.parsed.layers.size(); ++i) steps.push_back(HistoryEntry{});
  }
  // Which layer each step made, oldest first.
  std::vector<long long> sizes(steps.size(), 0);
  size_t layer = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].empty_layer || layer >= image.parsed.layers.size()) continue;
    sizes[i] = image.parsed.layers[layer++].size;
  }
  std::string id = no_trunc ? image.parsed.config.digest : short_id(image);
  if (quiet) {
    std::printf("%s\n", id.c_str());
    for (size_t i = 1; i < steps.size(); ++i) std::printf("<missing>\n");
    return 0;
  }
  std::printf("%-14s %-24s %-46s %-8s %s\n", "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
  for (size_t n = 0; n < steps.size(); ++n) {
    size_t i = steps.size() - 1 - n;
    std::string by = steps[i].created_by;
    for (auto& c : by) if (c == '\n' || c == '\t') c = ' ';
    if (!no_trunc && by.size() > 45) by = by.substr(0, 44) + "…";
    std::printf("%-14s %-24s %-46s %-8s %s\n", n == 0 ? id.c_str() : "<missing>",
                age(steps[i].created).c_str(), by.c_str(), human_size(sizes[i]).c_str(),
                steps[i].comment.c_str());
  }
  return 0;
}

// Prints what a collection removed, in docker's words.
void print_collected(const GcReport& report) {
  for (const auto& blob : report.blobs) std::printf("deleted: %s\n", blob.c_str());
}

// image prune: what no reference and no container reaches; with `all`,
// first every reference whose image no container was made from.
int do_image_prune(const Globals& globals, bool all, bool force) {
  if (!force) {
    std::printf("WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ",
                all ? "all images without at least one container associated to them"
                    : "all dangling images");
    std::fflush(stdout);
    char answer[16] = {};
    if (!std::fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y')) return 0;
  }
  StoreRoot store{globals.root};
  std::vector<std::string> untagged;
  if (all) {
    auto used = manifests_in_use(store);
    auto images = list_images(store);
    if (!used) return failed(used.error());
    if (!images) return failed(images.error());
    for (const auto& image : images.value()) {
      if (used.value().count(image.manifest.digest)) continue;
      auto removed = untag_image(store, image.name);
      if (!removed) return failed(removed.error());
      auto [repo, tag] = repo_and_tag(image.name);
      untagged.push_back(repo + ":" + tag);
    }
  }
  auto report = collect_image_garbage(store);
  if (!report) return failed(report.error());
  if (!untagged.empty() || !report.value().blobs.empty()) {
    std::printf("Deleted Images:\n");
    for (const auto& name : untagged) std::printf("untagged: %s\n", name.c_str());
    print_collected(report.value());
    std::printf("\n");
  }
  std::printf("Total reclaimed space: %s\n", human_size(static_cast<long long>(report.value().bytes)).c_str());
  return 0;
}

// The containers, running or not, made from the image whose manifest is
// `digest`, by name.
std::vector<std::string> containers_using(StateStore& store, const std::string& digest) {
  std::vector<std::string> names;
  for (const auto& id : store.list()) {
    auto spec = store.load_spec(id);
    if (spec && spec.value().image_digest == digest) names.push_back(spec.value().name);
  }
  return names;
}

// Removes one reference. Like docker: while another reference names the
// same image, this one can always go (the image stays); the last one is
// refused while a container uses the image, unless `force`.
Result<void> remove_image(const Globals& globals, const std::string& text, bool force) {
  StoreRoot store{globals.root};
  StoredImage image = TRY(find_image(store, text, false));
  size_t names = 0;
  for (const auto& other : TRY(list_images(store))) {
    if (other.manifest.digest == image.manifest.digest) ++names;
  }
  if (names <= 1 && !force) {
    StateStore containers(globals.root);
    auto users = containers_using(containers, image.manifest.digest);
    if (!users.empty()) {
      std::string list;
      for (const auto& name : users) list += (list.empty() ? "" : ", ") + name;
      return user_error("image {} is used by container{} {} (remove {}, or use rmi -f)", text,
                        users.size() > 1 ? "s" : "", list, users.size() > 1 ? "them" : "it");
    }
  }
  TRY(untag_image(store, image.name));
  auto [repo, tag] = repo_and_tag(image.name);
  std::printf("Untagged: %s:%s\n", repo.c_str(), tag.c_str());
  // The last name gone: the image's blobs and layers go too, unless a
  // container still uses them (rmi -f), as docker's do.
  if (names <= 1) {
    GcReport report = TRY(collect_image_garbage(store));
    for (const auto& blob : report.blobs) {
      if (blob == image.parsed.config.digest) std::printf("Deleted: %s\n", blob.c_str());
    }
  }
  return ok();
}

int do_import(const Globals& globals, const std::string& tar, const std::string& reference,
              const std::vector<std::string>& changes) {
  if (reference.empty()) {
    print_error("import: a reference is required (pocker keeps no unnamed images yet): "
                "pocker import TAR NAME[:TAG]");
    return kExitPockerFailed;
  }
  ImageDefaults defaults;
  for (const auto& change : changes) {
    if (auto applied = apply_change(change, defaults); !applied) return failed(applied.error());
  }
  auto image = import_image(StoreRoot{globals.root}, tar, reference, defaults);
  if (!image) return failed(image.error());
  std::printf("%s\n", image.value().parsed.config.digest.c_str());
  return 0;
}

}  // namespace

Result<std::string> inspect_image(const Globals& globals, const std::string& text) {
  StoreRoot store{globals.root};
  StoredImage image = TRY(find_image(store, text, false));
  nlohmann::json tags = nlohmann::json::array();
  for (const auto& other : TRY(list_images(store))) {
    if (other.manifest.digest != image.manifest.digest) continue;
    auto [repo, tag] = repo_and_tag(other.name);
    tags.push_back(repo + ":" + tag);
  }
  const ImageConfig& c = image.config;
  nlohmann::json j;
  j["Id"] = image.parsed.config.digest;
  j["RepoTags"] = tags;
  j["Created"] = c.created;
  j["Architecture"] = c.architecture;
  j["Os"] = c.os;
  j["Size"] = image_size(image);
  nlohmann::json volumes = nlohmann::json::object();
  for (const auto& path : c.volumes) volumes[path] = nlohmann::json::object();
  j["Config"] = {{"Env", c.env},         {"Cmd", c.cmd},   {"Entrypoint", c.entrypoint},
                 {"WorkingDir", c.working_dir}, {"User", c.user}, {"Volumes", volumes}};
  j["Config"]["ExposedPorts"] = nlohmann::json::object();
  for (const auto& port : c.exposed_ports) j["Config"]["ExposedPorts"][port] = nlohmann::json::object();
  j["RepoDigests"] = nlohmann::json::array();
  j["RootFS"] = {{"Type", "layers"}, {"Layers", c.diff_ids}};
  j["Manifest"] = image.manifest.digest;
  return j.dump(2);
}

namespace {

// The commands that exist both on their own (`images`, `rmi`) and under
// `image` (`image ls`, `image rm`): `grouped` picks the names.
void add_store_commands(CLI::App& app, const Globals& globals, Handler& handler, bool grouped) {
  {
    auto* images = app.add_subcommand(grouped ? "ls" : "images", "list the images of the store");
    if (grouped) images->alias("list");
    auto quiet = std::make_shared<bool>(false);
    auto digests = std::make_shared<bool>(false);
    images->add_flag("-q,--quiet", *quiet, "print only the image ids");
    images->add_flag("--digests", *digests, "show the manifest digests");
    images->callback([&, quiet, digests] {
      handler = [&, quiet, digests] { return do_images(globals, *quiet, *digests); };
    });
  }
  {
    auto* rmi = app.add_subcommand(grouped ? "rm" : "rmi", "remove image references");
    auto refs = std::make_shared<std::vector<std::string>>();
    auto force = std::make_shared<bool>(false);
    rmi->add_flag("-f,--force", *force, "remove the reference even while containers use the image");
    rmi->add_option("image", *refs, "image references")->required();
    rmi->callback([&, refs, force] {
      handler = [&, refs, force] {
        int code = 0;
        for (const auto& ref : *refs) {
          if (auto removed = remove_image(globals, ref, *force); !removed) code = failed(removed.error());
        }
        return code;
      };
    });
  }
  {
    auto* tag = app.add_subcommand("tag", "give an image another reference");
    auto source = std::make_shared<std::string>();
    auto target = std::make_shared<std::string>();
    tag->add_option("source", *source, "the image")->required();
    tag->add_option("target", *target, "the new reference")->required();
    tag->callback([&, source, target] {
      handler = [&, source, target] {
        auto tagged = tag_image(StoreRoot{globals.root}, *source, *target);
        return tagged ? 0 : failed(tagged.error());
      };
    });
  }
  {
    auto* import = app.add_subcommand("import", "make a root file system tar a one-layer image");
    auto tar = std::make_shared<std::string>();
    auto reference = std::make_shared<std::string>();
    auto changes = std::make_shared<std::vector<std::string>>();
    import->add_option("-c,--change", *changes, "CMD [...], ENV K=V, WORKDIR /dir or VOLUME /path")
        ->allow_extra_args(false);
    import->add_option("tar", *tar, "a tar file (plain, gzip or zstd)")->required();
    import->add_option("reference", *reference, "the new image's name[:tag]");
    import->callback([&, tar, reference, changes] {
      handler = [&, tar, reference, changes] {
        return do_import(globals, *tar, *reference, *changes);
      };
    });
  }
  {
    auto* history = app.add_subcommand("history", "show how an image was made, newest step first");
    auto ref = std::make_shared<std::string>();
    auto quiet = std::make_shared<bool>(false);
    auto no_trunc = std::make_shared<bool>(false);
    history->add_flag("-q,--quiet", *quiet, "print only the image ids");
    history->add_flag("--no-trunc", *no_trunc, "do not shorten ids and commands");
    history->add_option("image", *ref, "the image")->required();
    history->callback([&, ref, quiet, no_trunc] {
      handler = [&, ref, quiet, no_trunc] { return do_history(globals, *ref, *quiet, *no_trunc); };
    });
  }
  add_archive_commands(app, globals, handler);
}

}  // namespace

void add_image_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  add_store_commands(app, globals, handler, false);
  auto* group = app.add_subcommand("image", "manage images (ls, rm, inspect, prune, history, ...)");
  group->require_subcommand(1);
  add_store_commands(*group, globals, handler, true);
  {
    auto* inspect = group->add_subcommand("inspect", "show an image's config and layers as JSON");
    auto ref = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>();
    inspect->add_option("-f,--format", *format, "a template, e.g. {{.Config.Cmd}}");
    inspect->add_option("image", *ref, "the image")->required();
    inspect->callback([&, ref, format] {
      handler = [&, ref, format] {
        auto json = inspect_image(globals, *ref);
        if (!json) return failed(json.error());
        if (format->empty()) {
          std::printf("%s\n", json.value().c_str());
          return 0;
        }
        auto shown = render_template(*format, nlohmann::json::parse(json.value()));
        if (!shown) return failed(shown.error());
        std::printf("%s\n", shown.value().c_str());
        return 0;
      };
    });
  }
  {
    auto* prune = group->add_subcommand("prune", "remove what no image or container uses any more");
    auto all = std::make_shared<bool>(false);
    auto force = std::make_shared<bool>(false);
    prune->add_flag("-a,--all", *all, "also every image that no container was made from");
    prune->add_flag("-f,--force", *force, "do not ask for confirmation");
    prune->callback([&, all, force] {
      handler = [&, all, force] { return do_image_prune(globals, *all, *force); };
    });
  }
}

}  // namespace pocker::cli
