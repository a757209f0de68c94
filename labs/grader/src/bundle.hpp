// pocker-grade --gradescope-bundle DIR: a Gradescope autograder folder (zip its contents and
// upload them): setup.sh, run_autograder and a copy of the toolkit's reference sources.
#pragma once

#include <string>

namespace grader {

// Writes DIR/setup.sh, DIR/run_autograder and DIR/pocker (the sources in source_dir, without .git
// or build folders). Throws std::runtime_error or std::filesystem::filesystem_error.
void write_gradescope_bundle(const std::string& dir, const std::string& source_dir);

}  // namespace grader
