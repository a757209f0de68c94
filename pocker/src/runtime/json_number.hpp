// Internal to the runtime: integers read back from the state directory's
// JSON (config.json, state.json).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace pocker {

/// `j` as the integer type T. json's own get<T>() casts any number to any
/// arithmetic type: 1e30 into uint64_t is undefined behaviour and -1 into
/// uint32_t wraps to 4294967295, and a file edited by hand or cut short by
/// a failing disk may hold either (found by fuzz/spec_json_fuzz). This one
/// throws what get<T>() throws for a wrong type (json::type_error), and
/// json::out_of_range for a number T cannot hold, so the callers' one
/// catch of json::exception covers it.
template <typename T>
T json_integer(const nlohmann::json& j) {
  if (j.is_number_unsigned()) {
    auto v = j.get<uint64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  } else if (j.is_number_integer()) {
    auto v = j.get<int64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  } else {
    throw nlohmann::json::type_error::create(
        302, "type must be an integer, but is " + std::string(j.type_name()), &j);
  }
  throw nlohmann::json::out_of_range::create(406, "number " + j.dump() + " is out of range", &j);
}

}  // namespace pocker
