// `pocker network ...`: user-defined networks (pocker/user_network.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "pocker/bridge_network.hpp"
#include "pocker/collect.hpp"
#include "pocker/dns.hpp"
#include "pocker/fs.hpp"
#include "pocker/runtime.hpp"
#include "pocker/trace.hpp"
#include "pocker/user_network.hpp"

namespace pocker::cli {
namespace {

struct CreateFlags {
  std::string name, subnet, gateway;
  bool internal = false;
};

int fail(const Error& error) {
  print_error(error.message());
  return kExitPockerFailed;
}

// Whether container `id` still has processes (for leases whose pocker is
// gone: a held lease is in use anyway).
bool cgroup_alive(const std::string& id) { return container_has_processes(id); }

// Container ids → their names in this store ("name (id12)" for others').
std::string names_of(const StateStore& store, const std::vector<std::string>& ids) {
  std::string text;
  for (const std::string& id : ids) {
    std::string name = store.name_of(id);
    if (!text.empty()) text += ", ";
    text += name.empty() ? id.substr(0, 12) : name;
  }
  return text;
}

Result<void> create(const Globals& globals, const CreateFlags& flags) {
  NetworkRequest request;
  request.name = flags.name;
  request.internal = flags.internal;
  if (!flags.subnet.empty()) request.subnet = TRY(parse_subnet(flags.subnet));
  if (!flags.gateway.empty()) request.gateway = TRY(parse_ipv4(flags.gateway));
  if (request.gateway && !request.subnet) return user_error("--gateway needs --subnet");
  UserNetwork network = TRY(NetworkStore(globals.root).create(request));
  fmt::print("{}\n", network.id);
  return ok();
}

nlohmann::json inspect_json(const StateStore& store, const UserNetwork& n) {
  nlohmann::json containers = nlohmann::json::object();
  BridgeNetwork bridge = n.bridge_network();
  if (auto users = network_users(n, cgroup_alive)) {
    for (const std::string& id : users.value()) {
      std::string name = store.name_of(id);
      containers[id] = {{"Name", name}};
    }
  }
  return {{"Name", n.name},
          {"Id", n.id},
          {"Created", n.created},
          {"Driver", "bridge"},
          {"Internal", n.internal},
          {"IPAM", {{"Config", nlohmann::json::array({{{"Subnet", to_string(n.subnet)},
                                                         {"Gateway", to_string(n.gateway)}}})}}},
          {"Options", {{"bridge", n.bridge()}}},
          {"Containers", containers}};
}

// The container's running process, for connect and disconnect.
Result<pid_t> running_pid(const StateStore& store, const std::string& id) {
  ContainerState state = TRY(store.load(id));
  if (state.status != "running" || state.pid <= 0) return user_error("container {} is not running", state.name);
  return state.pid;
}

// The first ethN not yet in the container's namespace.
Result<std::string> free_interface(Netlink& inside) {
  for (int n = 0; n < 16; ++n) {
    std::string name = "eth" + std::to_string(n);
    auto index = inside.link_index(name);
    if (!index && index.error().err() == ENODEV) return name;
    if (!index) return std::move(index).error();
  }
  return user_error("the container has 16 interfaces already");
}

Result<void> connect(const Globals& globals, const std::string& net_ref, const std::string& ref,
                     const std::vector<std::string>& aliases, const std::string& ip) {
  StateStore store(globals.root);
  UserNetwork network = TRY(NetworkStore(globals.root).find(net_ref));
  std::string id = TRY(store.resolve(ref));
  ContainerSpec spec = TRY(store.load_spec(id));
  pid_t pid = TRY(running_pid(store, id));
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  Fd netns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) return sys_error("open {}", path);
  Netlink inside = TRY(Netlink::open_in(netns.get()));
  BridgeAttachOptions options;
  options.interface = TRY(free_interface(inside));
  options.default_route = false;  // the container keeps the route of its first network
  if (!ip.empty()) options.address = TRY(parse_ipv4(ip));
  Netlink host = TRY(Netlink::open());
  // The lease is not held: this pocker ends now. A collector keeps it
  // while the container has processes (its cgroup), and frees it after.
  BridgeAttachment attached = TRY(bridge_attach(host, network.bridge_network(), id, netns.get(), options));
  std::string words = spec.name + " " + (spec.hostname.empty() ? id.substr(0, 12) : spec.hostname);
  for (const std::string& alias : aliases) words += " " + alias;
  TRY(write_file_atomic(network.host_dir() + "/names/" + id, words + "\n"));
  TRY(ensure_dns_responder(network, {"pocker", "network", "dns-serve", network.id}));
  trace("network {}: container {} has {} on {}", network.name, spec.name, to_string(attached.address),
        options.interface);
  return ok();
}

Result<void> disconnect(const Globals& globals, const std::string& net_ref, const std::string& ref) {
  StateStore store(globals.root);
  UserNetwork network = TRY(NetworkStore(globals.root).find(net_ref));
  std::string id = TRY(store.resolve(ref));
  auto users = TRY(network_users(network, cgroup_alive));
  if (std::find(users.begin(), users.end(), id) == users.end()) {
    return user_error("container {} is not connected to network {}", ref, network.name);
  }
  Netlink host = TRY(Netlink::open());
  // Deleting our end deletes the container's too: it loses the interface.
  TRY(bridge_detach(host, network.bridge_network(), id));
  ::unlink((network.host_dir() + "/names/" + id).c_str());
  return ok();
}

}  // namespace

void add_network_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  CLI::App* net = app.add_subcommand("network", "manage user-defined networks");
  net->set_help_flag("--help", "print this help");
  net->require_subcommand(1);
  net->footer("Usage: pocker network COMMAND (create, ls, rm, inspect, connect, disconnect)");

  auto flags = std::make_shared<CreateFlags>();
  CLI::App* create_cmd = net->add_subcommand("create", "create a network: a bridge, a subnet and a DNS responder");
  create_cmd->set_help_flag("--help", "print this help");
  create_cmd->footer("Usage: pocker network create [--subnet CIDR] [--gateway IP] [--internal] NAME");
  create_cmd->add_option("--subnet", flags->subnet, "its subnet, e.g. 10.211.0.0/24 (default: a free /24 of 10.210.0.0/16)");
  create_cmd->add_option("--gateway", flags->gateway, "the bridge's address (default: the subnet's first)");
  create_cmd->add_flag("--internal", flags->internal, "no way out: no default route, no masquerade");
  create_cmd->add_option("NAME", flags->name, "the network's name")->required();
  create_cmd->callback([flags, &globals, &handler] {
    handler = [flags, &globals] {
      StateStore store(globals.root);
      collect_orphans(store);
      auto made = create(globals, *flags);
      return made ? 0 : fail(made.error());
    };
  });

  auto quiet = std::make_shared<bool>(false);
  CLI::App* ls = net->add_subcommand("ls", "list the networks");
  ls->alias("list");
  ls->set_help_flag("--help", "print this help");
  ls->footer("Usage: pocker network ls [-q]");
  ls->add_flag("-q,--quiet", *quiet, "only the ids");
  ls->callback([quiet, &globals, &handler] {
    handler = [quiet, &globals] {
      auto networks = NetworkStore(globals.root).list();
      if (!networks) return fail(networks.error());
      if (!*quiet) fmt::print("{:<14}{:<20}{:<10}{:<18}{}\n", "NETWORK ID", "NAME", "DRIVER", "SUBNET", "INTERNAL");
      // The built-in modes first, as docker lists them.
      if (!*quiet) {
        fmt::print("{:<14}{:<20}{:<10}{:<18}{}\n", "bridge", "bridge", "bridge", "172.29.0.0/16", "false");
        fmt::print("{:<14}{:<20}{:<10}{:<18}{}\n", "host", "host", "host", "", "false");
        fmt::print("{:<14}{:<20}{:<10}{:<18}{}\n", "none", "none", "null", "", "false");
      }
      for (const UserNetwork& n : networks.value()) {
        if (*quiet) {
          fmt::print("{}\n", n.id.substr(0, 12));
        } else {
          fmt::print("{:<14}{:<20}{:<10}{:<18}{}\n", n.id.substr(0, 12), n.name, "bridge", to_string(n.subnet),
                     n.internal ? "true" : "false");
        }
      }
      return 0;
    };
  });

  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* rm = net->add_subcommand("rm", "remove networks (refused while containers use them)");
  rm->alias("remove");
  rm->set_help_flag("--help", "print this help");
  rm->footer("Usage: pocker network rm NETWORK...");
  rm->add_option("NETWORK", *names, "names or ids")->required();
  rm->callback([names, &globals, &handler] {
    handler = [names, &globals] {
      StateStore store(globals.root);
      collect_orphans(store);
      NetworkStore networks(globals.root);
      int code = 0;
      for (const std::string& ref : *names) {
        auto network = networks.find(ref);
        Result<void> removed = network ? networks.remove(network.value(),
                                                         [&store](const std::vector<std::string>& ids) {
                                                           return names_of(store, ids);
                                                         })
                                       : Result<void>(std::move(network).error());
        if (!removed) {
          code = fail(removed.error());
        } else {
          fmt::print("{}\n", ref);
        }
      }
      return code;
    };
  });

  auto inspected = std::make_shared<std::vector<std::string>>();
  CLI::App* inspect = net->add_subcommand("inspect", "show networks as JSON");
  inspect->set_help_flag("--help", "print this help");
  inspect->footer("Usage: pocker network inspect NETWORK...");
  inspect->add_option("NETWORK", *inspected, "names or ids")->required();
  inspect->callback([inspected, &globals, &handler] {
    handler = [inspected, &globals] {
      StateStore store(globals.root);
      NetworkStore networks(globals.root);
      nlohmann::json all = nlohmann::json::array();
      int code = 0;
      for (const std::string& ref : *inspected) {
        auto network = networks.find(ref);
        if (!network) {
          code = fail(network.error());
          continue;
        }
        all.push_back(inspect_json(store, network.value()));
      }
      fmt::print("{}\n", all.dump(4));
      return code;
    };
  });

  struct ConnectFlags {
    std::string network, container, ip;
    std::vector<std::string> aliases;
  };
  auto conn = std::make_shared<ConnectFlags>();
  CLI::App* connect_cmd = net->add_subcommand("connect", "give a running container an interface on a network");
  connect_cmd->set_help_flag("--help", "print this help");
  connect_cmd->footer("Usage: pocker network connect [--ip IP] [--alias NAME] NETWORK CONTAINER");
  connect_cmd->add_option("--ip", conn->ip, "its address there (default: the lowest free one)");
  connect_cmd->add_option("--alias", conn->aliases, "another name it answers to there")->allow_extra_args(false);
  connect_cmd->add_option("NETWORK", conn->network, "name or id")->required();
  connect_cmd->add_option("CONTAINER", conn->container, "name or id")->required();
  connect_cmd->callback([conn, &globals, &handler] {
    handler = [conn, &globals] {
      StateStore store(globals.root);
      collect_orphans(store);
      auto done = connect(globals, conn->network, conn->container, conn->aliases, conn->ip);
      return done ? 0 : fail(done.error());
    };
  });

  auto disc = std::make_shared<ConnectFlags>();
  CLI::App* disconnect_cmd = net->add_subcommand("disconnect", "take a container's interface on a network away");
  disconnect_cmd->set_help_flag("--help", "print this help");
  disconnect_cmd->footer("Usage: pocker network disconnect NETWORK CONTAINER");
  disconnect_cmd->add_option("NETWORK", disc->network, "name or id")->required();
  disconnect_cmd->add_option("CONTAINER", disc->container, "name or id")->required();
  disconnect_cmd->callback([disc, &globals, &handler] {
    handler = [disc, &globals] {
      auto done = disconnect(globals, disc->network, disc->container);
      return done ? 0 : fail(done.error());
    };
  });

  // Not for people: what a container start runs, as a daemon, once per
  // network (pocker/dns.hpp). Fd 3 is the pipe that says it is ready.
  auto serve_id = std::make_shared<std::string>();
  CLI::App* serve = net->add_subcommand("dns-serve", "");  // no description: hidden from --help
  serve->group("");
  serve->set_help_flag("--help", "print this help");
  serve->add_option("ID", *serve_id, "the network's id")->required();
  serve->callback([serve_id, &handler] {
    handler = [serve_id] {
      auto network = load_network(*serve_id);
      if (!network) return fail(network.error());
      auto resolv = read_file("/etc/resolv.conf");
      std::vector<Ipv4> upstream = resolv_conf_servers(resolv ? resolv.value() : "");
      int ready = ::fcntl(3, F_GETFD) >= 0 ? 3 : -1;
      auto served = serve_dns(network.value(), upstream, ready);
      return served ? 0 : fail(served.error());
    };
  });
}

}  // namespace pocker::cli
