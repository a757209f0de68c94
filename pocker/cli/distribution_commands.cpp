// pull, push, login, logout: thin wrappers over pocker/registry.hpp.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "pocker/registry.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {
namespace {

int failed(const Error& error) {
  print_error(error.message());
  return kExitPockerFailed;
}

// Redrawn rows on a terminal, plain lines in a pipe or a log, or nothing.
ProgressMode progress_mode(bool quiet, int fd) {
  if (quiet) return ProgressMode::kQuiet;
  return ::isatty(fd) ? ProgressMode::kTerminal : ProgressMode::kLines;
}

struct TransferFlags {
  bool quiet = false;
  bool tls_verify = true;
  std::string platform;
  std::string reference;
};

void add_tls_flag(CLI::App* cmd, TransferFlags& flags) {
  cmd->add_flag("--tls-verify", flags.tls_verify,
                "check the registry's TLS certificate (--tls-verify=false: don't, and allow http)");
}

int do_pull(const Globals& globals, const TransferFlags& flags) {
  PullOptions options;
  options.platform = flags.platform;
  options.registry.tls_verify = flags.tls_verify;
  options.registry.progress = progress_mode(flags.quiet, STDOUT_FILENO);
  auto image = pull_image(StoreRoot{globals.root}, flags.reference, options);
  if (!image) return failed(image.error());
  std::printf("%s\n", image.value().name.c_str());
  return 0;
}

int do_push(const Globals& globals, const TransferFlags& flags) {
  RegistryOptions options;
  options.tls_verify = flags.tls_verify;
  options.progress = progress_mode(flags.quiet, STDOUT_FILENO);
  auto digest = push_image(StoreRoot{globals.root}, flags.reference, options);
  if (!digest) return failed(digest.error());
  if (flags.quiet) std::printf("%s\n", digest.value().c_str());
  return 0;
}

struct LoginFlags {
  std::string user;
  std::string password;
  bool password_stdin = false;
  bool tls_verify = true;
  std::string registry;
};

int do_login(const LoginFlags& flags) {
  std::string password = flags.password;
  if (flags.password_stdin) {
    if (!password.empty()) return failed(user_error("login: --password and --password-stdin are exclusive"));
    std::getline(std::cin, password, '\0');
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
  } else if (!password.empty()) {
    std::fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  }
  if (flags.user.empty()) return failed(user_error("login: a user name is required (-u USER)"));
  if (password.empty()) {
    return failed(user_error("login: a password is required (-p PASS or --password-stdin)"));
  }
  RegistryOptions options;
  options.tls_verify = flags.tls_verify;
  if (auto done = login(flags.registry, flags.user, password, options); !done) {
    return failed(done.error());
  }
  std::printf("Login Succeeded\n");
  return 0;
}

int do_logout(const std::string& registry_text) {
  auto registry = normalize_registry(registry_text);
  if (!registry) return failed(registry.error());
  auto removed = logout(registry.value());
  if (!removed) return failed(removed.error());
  if (removed.value()) {
    std::printf("Removing login credentials for %s\n", registry.value().c_str());
  } else {
    std::printf("Not logged in to %s\n", registry.value().c_str());
  }
  return 0;
}

}  // namespace

void add_distribution_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  {
    auto* pull = app.add_subcommand("pull", "download an image from a registry");
    auto flags = std::make_shared<TransferFlags>();
    pull->add_option("--platform", flags->platform, "os/arch[/variant] (default: this machine's)");
    pull->add_flag("-q,--quiet", flags->quiet, "print only the image's name");
    add_tls_flag(pull, *flags);
    pull->add_option("reference", flags->reference, "[registry/]repo[:tag|@digest]")->required();
    pull->callback([&, flags] { handler = [&, flags] { return do_pull(globals, *flags); }; });
  }
  {
    auto* push = app.add_subcommand("push", "upload an image to a registry");
    auto flags = std::make_shared<TransferFlags>();
    push->add_flag("-q,--quiet", flags->quiet, "print only the manifest's digest");
    add_tls_flag(push, *flags);
    push->add_option("reference", flags->reference, "[registry/]repo[:tag]")->required();
    push->callback([&, flags] { handler = [&, flags] { return do_push(globals, *flags); }; });
  }
  {
    auto* cmd = app.add_subcommand("login", "save credentials for a registry");
    auto flags = std::make_shared<LoginFlags>();
    cmd->add_option("-u,--username", flags->user, "user name");
    cmd->add_option("-p,--password", flags->password, "password (prefer --password-stdin)");
    cmd->add_flag("--password-stdin", flags->password_stdin, "read the password from stdin");
    cmd->add_flag("--tls-verify", flags->tls_verify, "check the registry's TLS certificate");
    cmd->add_option("registry", flags->registry, "host[:port] (default: docker.io)");
    cmd->callback([&, flags] { handler = [flags] { return do_login(*flags); }; });
  }
  {
    auto* cmd = app.add_subcommand("logout", "remove saved credentials for a registry");
    auto registry = std::make_shared<std::string>();
    cmd->add_option("registry", *registry, "host[:port] (default: docker.io)");
    cmd->callback([&, registry] { handler = [registry] { return do_logout(*registry); }; });
  }
}

}  // namespace pocker::cli
