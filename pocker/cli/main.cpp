#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "pocker/image.hpp"
#include "pocker/runtime.hpp"
#include "pocker/trace.hpp"

#ifndef POCKER_VERSION
#define POCKER_VERSION "0.0.0"
#endif

namespace pocker::cli {

void print_error(const std::string& message) {
  std::string line = "pocker: " + message + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

namespace {

// The subcommand the command line names, or "" when it names none or asks
// for help or the version. Only that subcommand is registered: building
// every one of them with CLI11 costs more than the rest of a short command
// like `pocker ps` (about a million instructions).
std::string chosen_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--root" || arg == "--log-level") {
      ++i;
    } else if (arg == "--trace" || arg == "--trace-time" || arg.rfind("--root=", 0) == 0 || arg.rfind("--log-level=", 0) == 0) {
      continue;
    } else {
      return arg.empty() || arg[0] == '-' ? "" : std::string(arg);
    }
  }
  return "";
}

int run_main(int argc, char** argv) {
  CLI::App app("pocker: a small container runtime for learning how containers work", "pocker");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("pocker version ") + POCKER_VERSION);

  Globals globals;
  app.add_option("--root", globals.root, "where images and container state live")
      ->envname("POCKER_ROOT");
  app.add_flag("--trace", globals.trace, "print each kernel-level step on stderr");
  app.add_flag("--trace-time", globals.trace_time,
               "like --trace, each line with the milliseconds since pocker started");
  app.add_option("--log-level", globals.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  Handler handler;
  const std::string chosen = chosen_command(argc, argv);
  const bool all = chosen.empty();
  if (all || chosen == "run") add_run(app, globals, handler);
  if (all || chosen == "info") add_info(app, globals, handler);
  // The rest (ps, logs, stop, ...), and whatever is not a command at all,
  // so that CLI11 reports it as usual.
  const bool control = chosen == "pause" || chosen == "unpause" || chosen == "stats" || chosen == "top" ||
                       chosen == "update";
  const bool build = chosen == "build" || chosen == "commit";
  const bool distribution =
      chosen == "pull" || chosen == "push" || chosen == "login" || chosen == "logout";
  const bool image = chosen == "images" || chosen == "rmi" || chosen == "tag" || chosen == "import" ||
                     chosen == "image" || chosen == "history" || chosen == "save" || chosen == "load";
  if (all || (chosen != "run" && chosen != "info" && chosen != "exec" && chosen != "cp" && !control &&
              !image && !build && !distribution && chosen != "registry" &&
              chosen != "network")) {
    add_container_commands(app, globals, handler);
    add_port(app, globals, handler);
  }
  if (all || image) add_image_commands(app, globals, handler);
  if (all || distribution) add_distribution_commands(app, globals, handler);
  if (all || chosen == "exec") add_exec(app, globals, handler);
  if (all || chosen == "cp") add_cp(app, globals, handler);
  if (all || control) add_control_commands(app, globals, handler);
  if (all || chosen == "registry") add_registry_commands(app, globals, handler);
  if (all || build) add_build_commands(app, globals, handler);
  if (all || chosen == "network") add_network_commands(app, globals, handler);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A word that names no command: say so, not CLI11's "A subcommand is required".
    auto known = app.get_subcommands([&](CLI::App* sub) { return sub->check_name(chosen); });
    if (!chosen.empty() && known.empty()) {
      print_error(fmt::format("'{}' is not a pocker command (see pocker --help)", chosen));
    } else if (chosen.empty() && e.get_name() == "RequiredError") {
      print_error("no command given (see pocker --help)");
    } else {
      print_error(e.what());
    }
    return kExitPockerFailed;
  }
  set_trace(globals.trace || globals.trace_time, globals.trace_time);
  if (globals.root.empty()) globals.root = default_store_root();
  return handler();
}

}  // namespace
}  // namespace pocker::cli

int main(int argc, char** argv) {
  // `pocker --trace run --rm ... | head`: once head is gone, a write to the
  // pipe must fail (EPIPE), not end pocker by SIGPIPE before it removed the
  // container. The container gets the default action back: exec_in_path().
  ::signal(SIGPIPE, SIG_IGN);
  // Unbuffered stderr keeps our messages in order with the container's.
  std::setvbuf(stderr, nullptr, _IONBF, 0);
  return pocker::cli::run_main(argc, argv);
}
