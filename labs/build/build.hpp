// What the build labs share: a fixture with a private --root and a build context in a temporary
// directory, with helpers to write its files and to build it.
#pragma once

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/fs.hpp"
#include "support/run.hpp"

namespace lab::build {

class BuildTest : public LabTest {
 protected:
  std::string context() const { return dir_.path() + "/ctx"; }

  // Writes `text` to CONTEXT/name (directories made as needed).
  void put(const std::string& name, const std::string& text) {
    const std::filesystem::path path = context() + "/" + name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  // `pocker build [extra...] CONTEXT` with `dockerfile` as CONTEXT/Dockerfile.
  Outcome build(const std::string& dockerfile, std::vector<std::string> extra = {}) {
    put("Dockerfile", dockerfile);
    return build_again(std::move(extra));
  }

  // The same context built again.
  Outcome build_again(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"build"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(context());
    return pocker.run(args, RunOptions{.timeout = std::chrono::seconds(110)});
  }

  // A fresh image name of this test: lower case, as image references must be.
  static std::string new_tag() {
    std::string name = "lab-build-" + unique_name();
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
  }

  // The ids of the containers the store has (its containers/ directory), whatever `ps` says.
  std::vector<std::string> container_dirs() const {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(pocker.root() + "/containers", ec)) {
      ids.push_back(e.path().filename().string());
    }
    return ids;
  }

  // Mounts of the host whose path lies under our --root.
  std::string mounts_under_root() const {
    std::ifstream in("/proc/self/mountinfo");
    std::string line, found;
    while (std::getline(in, line)) {
      if (line.find(pocker.root()) != std::string::npos) found += line + "\n";
    }
    return found;
  }

  TempDir dir_{"pocker-lab-build"};
};

}  // namespace lab::build
