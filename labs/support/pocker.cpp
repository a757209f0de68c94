#include "support/pocker.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <sstream>

#ifndef POCKER_DEFAULT_BIN
#error "POCKER_DEFAULT_BIN must name the pocker binary the build makes (see labs/CMakeLists.txt)"
#endif

namespace lab {

std::string pocker_bin() {
  const char* chosen = std::getenv("POCKER");
  if (chosen == nullptr || *chosen == '\0') return POCKER_DEFAULT_BIN;
  const std::string name = chosen;
  if (name.find('/') != std::string::npos) return name;
  // A bare name, like a shell would take it: the first executable of that name in PATH.
  std::istringstream dirs(std::getenv("PATH") != nullptr ? std::getenv("PATH") : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;  // run() then reports that it cannot execute it
}

std::string unique_name(std::string_view what) {
  std::string name;
  if (const auto* test = ::testing::UnitTest::GetInstance()->current_test_info()) {
    name = std::string(test->test_suite_name()) + "-" + test->name();
  }
  if (!what.empty()) name += (name.empty() ? "" : "-") + std::string(what);
  if (name.empty()) name = "lab";
  for (char& c : name) {
    const bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!safe) c = '-';  // parameterised tests have '/' in their names
  }
  return name + "-" + std::to_string(::getpid());
}

std::vector<std::string> Pocker::command(std::vector<std::string> args) const {
  std::vector<std::string> argv{pocker_bin(), "--root", root()};
  argv.insert(argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  return argv;
}

Outcome Pocker::run(std::vector<std::string> args, RunOptions opts) const {
  return lab::run(command(std::move(args)), std::move(opts));
}

Background Pocker::start(std::vector<std::string> args, RunOptions opts) const {
  return Background(command(std::move(args)), std::move(opts));
}

Pocker::~Pocker() {
  // Best effort, failures ignored: early levels have no `ps`, and a broken implementation must not
  // hide the test's own failure. The root directory goes afterwards, with root_.
  RunOptions quick;
  quick.timeout = std::chrono::seconds(15);
  const Outcome ps = run({"ps", "-a", "-q"}, quick);
  if (ps.status != 0) return;
  std::vector<std::string> rm{"rm", "-f"};
  std::istringstream ids(ps.out);
  for (std::string id; ids >> id;) rm.push_back(id);
  if (rm.size() > 2) run(std::move(rm), quick);
  // User networks, after their containers: their bridges and subnets are the host's. Levels
  // without networks fail `network ls`, and nothing more is asked.
  const Outcome networks = run({"network", "ls", "-q"}, quick);
  if (networks.status != 0) return;
  std::vector<std::string> net_rm{"network", "rm"};
  std::istringstream net_ids(networks.out);
  for (std::string id; net_ids >> id;) net_rm.push_back(id);
  if (net_rm.size() > 2) run(std::move(net_rm), quick);
}

}  // namespace lab
