// `pocker cp SRC DST`: one side is CONTAINER:PATH, the other a host path.
#include "commands.hpp"
#include "pocker/copy.hpp"
#include "pocker/runtime.hpp"

namespace pocker::cli {
namespace {

// "name:/path" → {"name", "/path"}; a host path has no container part.
// A host path with a colon can be written as ./a:b.
std::pair<std::string, std::string> split_ref(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || text[0] == '/' || text[0] == '.') return {"", text};
  return {text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace

void add_cp(CLI::App& app, const Globals& globals, Handler& handler) {
  auto* cp = app.add_subcommand("cp", "copy files between a container and the host");
  auto src = std::make_shared<std::string>();
  auto dst = std::make_shared<std::string>();
  cp->add_option("source", *src, "CONTAINER:PATH or a host path")->required();
  cp->add_option("target", *dst, "CONTAINER:PATH or a host path")->required();
  cp->callback([&, src, dst] {
    handler = [&, src, dst] {
      auto [from_c, from_path] = split_ref(*src);
      auto [to_c, to_path] = split_ref(*dst);
      if (from_c.empty() == to_c.empty()) {
        print_error("cp: exactly one of source and target must be CONTAINER:PATH");
        return static_cast<int>(kExitPockerFailed);
      }
      StateStore store(globals.root);
      auto id = store.resolve(from_c.empty() ? to_c : from_c);
      if (!id) {
        print_error(id.error().message());
        return static_cast<int>(kExitPockerFailed);
      }
      std::string inside = from_c.empty() ? to_path : from_path;
      if (inside.empty() || inside[0] != '/') inside = "/" + inside;
      auto done = from_c.empty() ? copy_into_container(store, id.value(), from_path, inside)
                                 : copy_from_container(store, id.value(), inside, to_path);
      if (!done) {
        print_error(done.error().message());
        return static_cast<int>(kExitPockerFailed);
      }
      return 0;
    };
  });
}

}  // namespace pocker::cli
