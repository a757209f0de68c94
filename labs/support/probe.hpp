// Running pocker-probe (in the busybox image, on PATH) inside a container and reading its one line
// of JSON: `pocker run FLAGS... busybox pocker-probe ARGS...`.
#pragma once

#include <nlohmann/json.hpp>

#include <source_location>
#include <string>
#include <vector>

#include "support/pocker.hpp"

namespace lab {

// The probe's JSON object. When the run fails or stdout is not one JSON object, records a test
// failure at the caller's line (showing status, stdout and stderr) and returns null: callers
// `ASSERT_TRUE(report.is_object())` before looking inside.
nlohmann::json probe(const Pocker& pocker, std::vector<std::string> run_flags, std::vector<std::string> probe_args,
                     RunOptions opts = {}, std::source_location where = std::source_location::current());

}  // namespace lab
