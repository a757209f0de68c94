#include <unistd.h>

#include <cstdio>
#include <iostream>

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

int run_main(int argc, char** argv) {
  CLI::App app("pocker: a small container runtime for learning how containers work", "pocker");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("pocker version ") + POCKER_VERSION);

  Globals globals;
  app.add_option("--root", globals.root, "where images and container state live")
      ->envname("POCKER_ROOT");
  app.add_flag("--trace", globals.trace, "print each kernel-level step on stderr");
  app.add_option("--log-level", globals.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  Handler handler;
  add_run(app, globals, handler);
  add_info(app, globals, handler);
  add_container_commands(app, globals, handler);
  add_exec(app, globals, handler);
  add_cp(app, globals, handler);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    return kExitPockerFailed;
  }
  set_trace(globals.trace);
  if (globals.root.empty()) globals.root = default_store_root();
  return handler();
}

}  // namespace
}  // namespace pocker::cli

int main(int argc, char** argv) {
  // Unbuffered stderr keeps our messages in order with the container's.
  std::setvbuf(stderr, nullptr, _IONBF, 0);
  return pocker::cli::run_main(argc, argv);
}
