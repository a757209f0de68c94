// `pocker attach`: join a running container's terminal, or its stdin and
// output, through its monitor's socket (pocker/attach.hpp).
#include <cstdio>

#include "commands.hpp"
#include "pocker/attach.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {
namespace {

struct AttachFlags {
  std::string ref;
  std::string detach_keys = "ctrl-p,ctrl-q";
  bool no_stdin = false;
};

int do_attach(const Globals& globals, const AttachFlags& flags) {
  auto keys = parse_detach_keys(flags.detach_keys);
  if (!keys) {
    print_error(keys.error().message());
    return kExitPockerFailed;
  }
  StateStore store(globals.root);
  auto id = store.resolve(flags.ref);
  if (!id) {
    print_error(id.error().message());
    return kExitPockerFailed;
  }
  auto spec = store.load_spec(id.value());
  auto connection = spec ? attach_connect(store, id.value()) : Result<Fd>(std::move(spec).error());
  if (!connection) {
    print_error(connection.error().message());
    return kExitPockerFailed;
  }
  AttachOptions options;
  options.detach_keys = keys.value();
  // Only a container started with -i reads its stdin.
  options.forward_input = !flags.no_stdin && spec.value().process.interactive;
  options.terminal = spec.value().process.terminal;
  auto code = attach_client(store, id.value(), connection.value(), options);
  if (!code) {
    print_error(code.error().message());
    return kExitPockerFailed;
  }
  return code.value() == kAttachDetached ? 0 : code.value();
}

}  // namespace

void add_attach(CLI::App& app, const Globals& globals, Handler& handler) {
  auto* attach = app.add_subcommand(
      "attach", "attach to a running container's terminal, or its input and output (ctrl-p ctrl-q leaves it running)");
  auto flags = std::make_shared<AttachFlags>();
  attach->add_option("--detach-keys", flags->detach_keys,
                     "the keys that detach, e.g. ctrl-x,y (default ctrl-p,ctrl-q)");
  attach->add_flag("--no-stdin", flags->no_stdin, "do not send what you type to the container");
  attach->add_option("container", flags->ref, "name or id")->required();
  attach->footer("Output written before you attached is in `pocker logs`; attach shows what comes after.\n"
                 "The container's exit code is attach's, unless you detach (then 0).");
  attach->callback([&, flags] { handler = [&, flags] { return do_attach(globals, *flags); }; });
}

}  // namespace pocker::cli
