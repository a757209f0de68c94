// docker's --format / -f: the part of Go's text/template that docker users
// type most. `{{.Field}}` and `{{.A.B}}` look a value up in a JSON object,
// `{{json .X}}` prints it as JSON, `\t` and `\n` are a tab and a newline,
// and a leading `table` asks for a header row and aligned columns.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "pocker/error.hpp"

namespace pocker::cli {

/// `format` with each `{{...}}` replaced by its value in `data`. A field
/// that `data` does not have is an error naming it.
Result<std::string> render_template(const std::string& format, const nlohmann::json& data);

/// Checks `format` (of print_rows()) against the fields of `header`,
/// so a bad format fails before any work or waiting.
Result<void> check_format(const std::string& format, const nlohmann::json& header);

/// Prints one line per row. With a leading `table`, first `header` rendered
/// with the same format, and every tab-separated column padded to line up.
Result<void> print_rows(const std::string& format, const std::vector<nlohmann::json>& rows,
                        const nlohmann::json& header);

}  // namespace pocker::cli
