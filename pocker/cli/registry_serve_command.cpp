// `pocker registry serve`: a thin wrapper over pocker/registry_server.hpp.
#include "commands.hpp"
#include "pocker/registry_server.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {

void add_registry_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  auto* registry = app.add_subcommand("registry", "run a registry of your own");
  registry->require_subcommand(1);
  auto* serve = registry->add_subcommand("serve", "serve the OCI distribution API until SIGTERM");
  auto options = std::make_shared<RegistryServerOptions>();
  serve->add_option("--addr", options->addr, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--root", options->root, "where repositories and blobs are kept (default: <root>/registry)");
  serve->add_option("--htpasswd", options->htpasswd, "require basic auth from the users of this file (bcrypt)");
  serve->add_option("--addr-file", options->addr_file, "also write the address listened on to this file");
  serve->callback([&, options] {
    handler = [&, options] {
      if (options->root.empty()) options->root = globals.root + "/registry";
      if (auto served = serve_registry(*options); !served) {
        print_error(served.error().message());
        return static_cast<int>(kExitPockerFailed);
      }
      return 0;
    };
  });
}

}  // namespace pocker::cli
