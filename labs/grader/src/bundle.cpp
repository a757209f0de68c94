#include "bundle.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace grader {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSetup = R"(#!/bin/sh
# Gradescope runs this once, as root, when it builds the autograder image (written by
# pocker-grade --gradescope-bundle; labs/grader/README.md). It installs the Debian packages the
# toolkit needs and builds the lab tests and the grader from the reference sources next to it.
# AUTOGRADER (default /autograder) moves it all elsewhere, to try it out on another machine.
set -eu
ag=${AUTOGRADER:-/autograder}
src=$ag/source/pocker
"$src/tools/install-deps.sh"
cmake -S "$src" -B "$ag/pocker-build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$ag/pocker-build" --target pocker-grade
)";

constexpr const char* kRunAutograder = R"(#!/bin/sh
# Gradescope runs this for each submission (written by pocker-grade --gradescope-bundle;
# labs/grader/README.md). It builds only the `pocker` target of the student's tree: the lab
# tests and the grader are the ones setup.sh built from the reference sources, never the
# student's copies. Then it grades that pocker into /autograder/results/results.json.
# AUTOGRADER (default /autograder) moves it all elsewhere, to try it out on another machine.
set -u
ag=${AUTOGRADER:-/autograder}
submission=$ag/submission
results=$ag/results
tools=$ag/pocker-build
build=/tmp/pocker-submission-build
log=/tmp/pocker-submission-build.log
note=/tmp/pocker-submission-note.txt
mkdir -p "$results"

# The submission is the student's copy of the toolkit: the folder with CMakeLists.txt, at the
# top or one folder down (an uploaded repository folder).
src=$submission
if [ ! -f "$src/CMakeLists.txt" ]; then
  for dir in "$submission"/*/; do
    if [ -f "${dir}CMakeLists.txt" ]; then
      src=${dir%/}
      break
    fi
  done
fi

pocker=$build/pocker/pocker
rm -rf "$build"
if { cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
     cmake --build "$build" --target pocker; } >"$log" 2>&1 && [ -x "$pocker" ]; then
  echo "Your pocker built; the labs ran against it." >"$note"
else
  {
    echo "Your pocker did not build (or the build made no pocker/pocker), so every lab fails."
    echo "The end of the build log:"
    tail -n 80 "$log"
  } >"$note"
fi
"$tools/labs/grader/pocker-grade" --pocker "$pocker" --out "$results" --preamble "$note"
status=$?
if [ ! -s "$results/results.json" ]; then
  # The grader itself could not run: say so rather than leave Gradescope without results.
  printf '{"score": 0, "output": "The grader could not run (status %s); ask your instructor.", "tests": []}\n' \
    "$status" >"$results/results.json"
fi
exit 0
)";

void write_file(const fs::path& path, const std::string& text, bool executable) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  if (executable) {
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  }
}

// Copies the source tree, leaving out version control, build folders and the bundle itself.
void copy_tree(const fs::path& from, const fs::path& to, const fs::path& skip) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    const fs::path& path = entry.path();
    const std::string name = path.filename().string();
    if (entry.is_directory() && !entry.is_symlink()) {
      std::error_code ec;
      if (name == ".git" || name == ".cache" || name == "build" || name.starts_with("build-") ||
          fs::exists(path / "CMakeCache.txt") || fs::equivalent(path, skip, ec))
        continue;
      copy_tree(path, to / name, skip);
    } else if (entry.is_symlink()) {
      fs::copy_symlink(path, to / name);
    } else if (entry.is_regular_file()) {
      fs::copy_file(path, to / name, fs::copy_options::overwrite_existing);
    }
  }
}

}  // namespace

void write_gradescope_bundle(const std::string& dir, const std::string& source_dir) {
  const fs::path out = fs::absolute(dir);
  const fs::path source = fs::canonical(source_dir);
  if (!fs::exists(source / "CMakeLists.txt")) throw std::runtime_error(source.string() + " is not the toolkit's source");
  fs::create_directories(out);
  fs::remove_all(out / "pocker");
  copy_tree(source, out / "pocker", out);
  write_file(out / "setup.sh", kSetup, true);
  write_file(out / "run_autograder", kRunAutograder, true);
}

}  // namespace grader
