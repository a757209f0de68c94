// `pocker build` and `pocker commit`: flags in, pocker/build.hpp does the rest.
#include <unistd.h>

#include "commands.hpp"
#include "pocker/build.hpp"
#include "pocker/collect.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {
namespace {

struct BuildFlags {
  std::vector<std::string> tags;
  std::string file;
  std::string target;
  std::vector<std::string> build_args;
  bool no_cache = false;
  bool quiet = false;
  std::string network;
  std::string context;
};

Result<BuildOptions> make_options(const BuildFlags& flags) {
  BuildOptions options;
  options.context = flags.context;
  options.dockerfile = flags.file;
  options.tags = flags.tags;
  options.target = flags.target;
  options.no_cache = flags.no_cache;
  options.quiet = flags.quiet;
  for (const auto& arg : flags.build_args) {
    size_t eq = arg.find('=');
    if (eq == 0) return user_error("--build-arg {}: use KEY=VALUE", arg);
    if (eq == std::string::npos) {
      // `--build-arg KEY`: the value of the caller's environment, as docker.
      const char* value = ::getenv(arg.c_str());
      if (value) options.build_args[arg] = value;
      continue;
    }
    options.build_args[arg.substr(0, eq)] = arg.substr(eq + 1);
  }
  std::string net = flags.network;
  if (!net.empty() && net != "none" && net != "host" && net != "bridge" && net != "default") {
    return user_error("--network {}: use none, host or bridge", net);
  }
  if (net == "default") net.clear();
  if (net == "bridge" && ::geteuid() != 0) {
    return user_error("--network bridge: a bridge needs root, and this pocker is rootless");
  }
  options.network = net;
  return options;
}

}  // namespace

void add_build_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  {
    auto flags = std::make_shared<BuildFlags>();
    auto* build = app.add_subcommand("build", "build an image from a Dockerfile");
    build->add_option("-t,--tag", flags->tags, "name the image (any number of times)")->allow_extra_args(false);
    build->add_option("-f,--file", flags->file, "the Dockerfile (default: CONTEXT/Dockerfile)");
    build->add_option("--target", flags->target, "build this stage and the stages it needs, no more");
    build->add_option("--build-arg", flags->build_args, "set an ARG: KEY=VALUE")->allow_extra_args(false);
    build->add_flag("--no-cache", flags->no_cache, "run every step, even those in the cache");
    build->add_flag("-q,--quiet", flags->quiet, "print only the image id");
    build->add_option("--network", flags->network, "the network of RUN steps: bridge, none or host");
    build->add_option("context", flags->context, "the build context directory")->required();
    build->callback([flags, &globals, &handler] {
      handler = [flags, &globals] {
        auto options = make_options(*flags);
        if (!options) {
          print_error(options.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        StateStore store(globals.root);
        collect_orphans(store);
        auto result = build_image(globals.root, options.value());
        if (!result) {
          print_error(result.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        return result.value().exit_code;
      };
    });
  }
  {
    auto* commit = app.add_subcommand("commit", "make an image from a container's changes");
    auto changes = std::make_shared<std::vector<std::string>>();
    auto message = std::make_shared<std::string>();
    auto args = std::make_shared<std::vector<std::string>>();
    commit->add_option("-c,--change", *changes, "apply a Dockerfile instruction (CMD, ENV, ...)")
        ->allow_extra_args(false);
    commit->add_option("-m,--message", *message, "the commit message (the history comment)");
    commit->add_option("container", *args, "CONTAINER [REPOSITORY[:TAG]]")->required()->expected(1, 2);
    commit->callback([=, &globals, &handler] {
      handler = [=, &globals] {
        std::string ref = args->size() > 1 ? (*args)[1] : "";
        auto id = commit_container(globals.root, (*args)[0], *changes, *message, ref);
        if (!id) {
          print_error(id.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        std::printf("%s\n", id.value().c_str());
        return 0;
      };
    });
  }
}

}  // namespace pocker::cli
