// save and load (pocker/image_archive.hpp): where the archive comes from
// and goes to. A saved file appears whole or not at all: it is written
// under a temporary name beside FILE and renamed when complete.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "commands.hpp"
#include "pocker/fd.hpp"
#include "pocker/image_archive.hpp"
#include "pocker/reference.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {
namespace {

Result<void> save_to(const Globals& globals, const std::vector<std::string>& images,
                     ArchiveFormat format, const std::string& output) {
  StoreRoot store{globals.root};
  if (output.empty() || output == "-") {
    if (::isatty(STDOUT_FILENO)) {
      return user_error("save: refusing to write an archive to a terminal (use -o FILE or a redirect)");
    }
    return save_images(store, images, format, STDOUT_FILENO, "standard output");
  }
  struct stat st;
  if (::stat(output.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device or a pipe (-o /dev/stdout): written as it is.
    Fd fd(::open(output.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return sys_error("open {}", output);
    return save_images(store, images, format, fd.get(), output);
  }
  std::string temp = output + ".tmp-XXXXXX";
  Fd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return sys_error("create {}", temp);
  auto saved = save_images(store, images, format, fd.get(), output);
  if (saved && ::fchmod(fd.get(), 0644) < 0) saved = sys_error("chmod {}", temp);
  if (saved && ::fsync(fd.get()) < 0) saved = sys_error("fsync {}", temp);
  if (saved && ::rename(temp.c_str(), output.c_str()) < 0) {
    saved = sys_error("rename {} to {}", temp, output);
  }
  if (!saved) ::unlink(temp.c_str());
  return saved;
}

Result<std::vector<std::string>> load_from(const Globals& globals, const std::string& input) {
  StoreRoot store{globals.root};
  if (input.empty() || input == "-") {
    if (::isatty(STDIN_FILENO)) {
      return user_error("load: no archive on standard input (use -i FILE or a redirect)");
    }
    return load_images(store, STDIN_FILENO, "standard input");
  }
  Fd fd(::open(input.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("load {}", input);
  return load_images(store, fd.get(), input);
}

}  // namespace

void add_archive_commands(CLI::App& app, const Globals& globals, Handler& handler) {
  {
    auto* save = app.add_subcommand("save", "write images to a tar (docker's format or OCI)");
    auto images = std::make_shared<std::vector<std::string>>();
    auto output = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>("docker");
    save->add_option("-o,--output", *output, "the file (default: standard output)");
    save->add_option("--format", *format,
                     "docker (manifest.json and an OCI layout, as docker 25 writes) or oci");
    save->add_option("image", *images, "the images")->required();
    save->callback([&, images, output, format] {
      handler = [&, images, output, format] {
        auto parsed = parse_archive_format(*format);
        auto saved = parsed ? save_to(globals, *images, parsed.value(), *output)
                            : Result<void>(std::move(parsed).error());
        if (saved) return 0;
        print_error(saved.error().message());
        return static_cast<int>(kExitPockerFailed);
      };
    });
  }
  {
    auto* load = app.add_subcommand("load", "read images from a tar made by save, docker or skopeo");
    auto input = std::make_shared<std::string>();
    auto quiet = std::make_shared<bool>(false);
    load->add_option("-i,--input", *input, "the file (default: standard input)");
    load->add_flag("-q,--quiet", *quiet, "print nothing");
    load->callback([&, input, quiet] {
      handler = [&, input, quiet] {
        auto names = load_from(globals, *input);
        if (!names) {
          print_error(names.error().message());
          return static_cast<int>(kExitPockerFailed);
        }
        for (const auto& name : names.value()) {
          auto ref = parse_reference(name);
          if (!*quiet) std::printf("Loaded image: %s\n", ref ? ref.value().familiar().c_str() : name.c_str());
        }
        return 0;
      };
    });
  }
}

}  // namespace pocker::cli
