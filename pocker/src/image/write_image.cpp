// A manifest for a config and its layers (pocker/image.hpp): what `build`
// and `commit` end with.
#include <nlohmann/json.hpp>

#include "pocker/image.hpp"

namespace pocker {

Result<Descriptor> write_image(const Layout& layout, std::string_view config,
                               const std::vector<Descriptor>& layers) {
  using nlohmann::json;
  Descriptor config_desc = TRY(layout.put_blob(config, kOciConfig));
  json list = json::array();
  for (const auto& layer : layers) {
    list.push_back({{"mediaType", layer.media_type}, {"digest", layer.digest}, {"size", layer.size}});
  }
  json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifest},
      {"config",
       {{"mediaType", config_desc.media_type},
        {"digest", config_desc.digest},
        {"size", config_desc.size}}},
      {"layers", list},
  };
  return layout.put_blob(manifest.dump(), kOciManifest);
}

}  // namespace pocker
