// Running the pocker under test, each test with a private state root.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "support/fs.hpp"
#include "support/run.hpp"

namespace lab {

// The binary under test: $POCKER (a path, or a name looked up in PATH), else the one the build made.
std::string pocker_bin();

// "<Suite>-<Test>-<pid>" for the running test (or "<what>-<pid>"), safe as a container name or a
// file name: no two tests, even in parallel processes, make the same one.
std::string unique_name(std::string_view what = "");

// Owns a private state root (/tmp/pocker-lab-XXXXXX) that every command gets as --root. Destroying
// it removes, best effort, every container left (`rm -f $(ps -aq)`) and then the root itself.
class Pocker {
 public:
  Pocker() = default;
  ~Pocker();
  Pocker(const Pocker&) = delete;
  Pocker& operator=(const Pocker&) = delete;

  const std::string& root() const { return root_.path(); }
  // pocker --root ROOT args...
  std::vector<std::string> command(std::vector<std::string> args) const;
  Outcome run(std::vector<std::string> args, RunOptions opts = {}) const;
  Background start(std::vector<std::string> args, RunOptions opts = {}) const;

 private:
  TempDir root_{"pocker-lab"};
};

}  // namespace lab
