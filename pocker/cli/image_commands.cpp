// images, rmi, tag, import: thin wrappers over pocker/image.hpp; and the
// image half of `inspect`.
#include <time.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
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

int do_images(const Globals& globals, bool quiet) {
  auto images = list_images(StoreRoot{globals.root});
  if (!images) return failed(images.error());
  if (!quiet) {
    std::printf("%-30s %-12s %-14s %-24s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
  }
  for (const auto& image : images.value()) {
    if (quiet) {
      std::printf("%s\n", short_id(image).c_str());
      continue;
    }
    auto [repo, tag] = repo_and_tag(image.name);
    std::printf("%-30s %-12s %-14s %-24s %s\n", repo.c_str(), tag.c_str(), short_id(image).c_str(),
                age(image.config.created).c_str(), human_size(image_size(image)).c_str());
  }
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
  j["Config"] = {{"Env", c.env},         {"Cmd", c.cmd},   {"Entrypoint", c.entrypoint},
                 {"WorkingDir", c.working_dir}, {"User", c.user}};
  j["Config"]["ExposedPorts"] = nlohmann::json::object();
  for (const auto& port : c.exposed_ports) j["Config"]["ExposedPorts"][port] = nlohmann::json::object();
  j["RootFS"] = {{"Type", "layers"}, {"Layers", c.diff_ids}};
  j["Manifest"] = image.manifest.digest;
  return j.dump(2);
}

void add_image_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  {
    auto* images = app.add_subcommand("images", "list the images of the store");
    auto quiet = std::make_shared<bool>(false);
    images->add_flag("-q,--quiet", *quiet, "print only the image ids");
    images->callback([&, quiet] { handler = [&, quiet] { return do_images(globals, *quiet); }; });
  }
  {
    auto* rmi = app.add_subcommand("rmi", "remove image references");
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
    import->add_option("-c,--change", *changes, "CMD [...], ENV K=V or WORKDIR /dir")
        ->allow_extra_args(false);
    import->add_option("tar", *tar, "a tar file (plain, gzip or zstd)")->required();
    import->add_option("reference", *reference, "the new image's name[:tag]");
    import->callback([&, tar, reference, changes] {
      handler = [&, tar, reference, changes] {
        return do_import(globals, *tar, *reference, *changes);
      };
    });
  }
}

}  // namespace pocker::cli
