// `pocker info`: the host's facts, one per line, and a fix for each gap.
#include "commands.hpp"
#include "pocker/info.hpp"

#include <cstdio>

namespace pocker::cli {

void add_info(CLI::App& app, const Globals& globals, Handler& handler) {
  CLI::App* info = app.add_subcommand("info", "show what this host offers containers");
  info->callback([&globals, &handler] {
    handler = [&globals] {
      bool all_ok = true;
      for (const auto& fact : host_facts(globals.root)) {
        std::printf("%-18s %s%s\n", (fact.name + ":").c_str(), fact.ok ? "" : "MISSING: ",
                    fact.value.c_str());
        if (!fact.ok || !fact.fix.empty()) std::printf("%-18s fix: %s\n", "", fact.fix.c_str());
        all_ok = all_ok && fact.ok;
      }
      std::printf("%-18s %s\n", "root:", globals.root.c_str());
      // info is a report, not a check: it succeeds even when pieces are missing.
      (void)all_ok;
      return 0;
    };
  });
}

}  // namespace pocker::cli
