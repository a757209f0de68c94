// The CLI: each subcommand registers its flags and a handler. Flags only
// fill a ContainerSpec; the core never sees CLI11.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/state.hpp"

namespace pocker::cli {

/// Options every command sees.
struct Globals {
  std::string root;
  bool trace = false;
  bool trace_time = false;  ///< --trace-time: --trace with timestamps
  std::string log_level = "warn";
};

/// A handler returns the process exit code.
using Handler = std::function<int()>;

/// Each add_* registers one subcommand on `app` and sets `handler` when
/// that subcommand is the one chosen.
void add_run(CLI::App& app, const Globals& globals, Handler& handler);
void add_info(CLI::App& app, const Globals& globals, Handler& handler);
void add_container_commands(CLI::App& app, const Globals& globals, Handler& handler);
void add_port(CLI::App& app, const Globals& globals, Handler& handler);
void add_exec(CLI::App& app, const Globals& globals, Handler& handler);
void add_cp(CLI::App& app, const Globals& globals, Handler& handler);
void add_control_commands(CLI::App& app, const Globals& globals, Handler& handler);
void add_image_commands(CLI::App& app, const Globals& globals, Handler& handler);
void add_registry_commands(CLI::App& app, const Globals& globals, Handler& handler);
/// attach, diff, export and system df: registered by add_container_commands().
void add_attach(CLI::App& app, const Globals& globals, Handler& handler);
void add_filesystem_commands(CLI::App& app, const Globals& globals, Handler& handler);
/// `save` and `load`, on `app` (also called for the `image` group).
void add_archive_commands(CLI::App& app, const Globals& globals, Handler& handler);
void add_build_commands(CLI::App& app, const Globals& globals, Handler& handler);
void add_distribution_commands(CLI::App& app, const Globals& globals, Handler& handler);
void add_network_commands(CLI::App& app, const Globals& globals, Handler& handler);

/// `inspect` of an image: its id, references, config and layers as JSON.
Result<std::string> inspect_image(const Globals& globals, const std::string& text);

/// Runs `action` on each container of `refs` (names or id prefixes),
/// printing each ref done when `print_ref`; first collects the `--rm`
/// containers of dead pockers when `collect`. Exit code: 125 if any failed.
int for_each_container(const Globals& globals, const std::vector<std::string>& refs,
                       const std::function<Result<void>(StateStore&, const std::string& id)>& action,
                       bool print_ref, bool collect = false);

/// `bytes` in docker's units, powers of 1024: `512B`, `1.5MiB`, `2GiB`.
std::string bytes_text(uint64_t bytes);

/// Prints `pocker: <message>` on stderr, one line.
void print_error(const std::string& message);

}  // namespace pocker::cli
