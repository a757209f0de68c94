// Internal to the runtime: a container's SecuritySpec in its config.json,
// so `start` and `exec` confine it exactly as `run` did.
#pragma once

#include <nlohmann/json.hpp>

#include "pocker/security.hpp"

namespace pocker {

nlohmann::json security_to_json(const SecuritySpec& spec);

/// A config.json written before pocker had this section gets the
/// defaults: such a container is confined from its next start on.
Result<SecuritySpec> security_from_json(const nlohmann::json& j);

}  // namespace pocker
