// `pocker port C [PORT[/PROTO]]`: the published ports of a running
// container, as docker prints them.
#include <cstdio>

#include "commands.hpp"
#include "pocker/collect.hpp"
#include "pocker/lifecycle.hpp"
#include "pocker/ports.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {
namespace {

int do_port(const Globals& globals, const std::string& ref, const std::string& filter) {
  StateStore store(globals.root);
  collect_orphans(store);
  std::optional<PortMapping> wanted;
  if (!filter.empty()) {
    auto parsed = parse_exposed_port(filter);
    if (!parsed) {
      print_error(parsed.error().message());
      return kExitPockerFailed;
    }
    wanted = parsed.value();
  }
  auto id = store.resolve(ref);
  auto state = id ? store.load(id.value()) : Result<ContainerState>(std::move(id).error());
  if (!state) {
    print_error(state.error().message());
    return kExitPockerFailed;
  }
  // Only a running container has bound ports (the state file drops them
  // with the container's end); a stopped one prints nothing, as docker.
  bool found = false;
  for (const PortMapping& m : state.value().address.ports) {
    if (!wanted) {
      std::printf("%s -> %s\n", container_port_key(m).c_str(), host_endpoint(m).c_str());
    } else if (m.container_port == wanted->container_port && m.protocol == wanted->protocol) {
      std::printf("%s\n", host_endpoint(m).c_str());
      found = true;
    }
  }
  if (wanted && !found) {
    print_error(fmt::format("no public port {} published for {}", container_port_key(*wanted), ref));
    return kExitPockerFailed;
  }
  return 0;
}

}  // namespace

void add_port(CLI::App& app, const Globals& globals, Handler& handler) {
  auto* port = app.add_subcommand("port", "list a running container's published ports");
  port->footer("Usage: pocker port CONTAINER [PORT[/tcp|udp]]");
  auto ref = std::make_shared<std::string>();
  auto filter = std::make_shared<std::string>();
  port->add_option("container", *ref, "name or id")->required();
  port->add_option("port", *filter, "only this container port: print its host address and port");
  port->callback([&globals, &handler, ref, filter] {
    handler = [&globals, ref, filter] { return do_port(globals, *ref, *filter); };
  });
}

}  // namespace pocker::cli
