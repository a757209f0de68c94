// `pocker commit` (pocker/build.hpp): a container's upper directory as a
// new layer on its image, the same way a RUN step's becomes one.
#include <unistd.h>

#include "builder.hpp"
#include "pocker/layer_writer.hpp"
#include "pocker/fs.hpp"
#include "pocker/manifest.hpp"
#include "pocker/state.hpp"

#include <set>

namespace pocker {

Result<std::string> commit_container(const std::string& root, const std::string& container,
                                     const std::vector<std::string>& changes,
                                     const std::string& message, const std::string& reference) {
  using nlohmann::json;
  using build::StageState;
  // Checked first: a bad change or name must leave nothing behind.
  std::vector<Instruction> parsed;
  for (const auto& change : changes) {
    Dockerfile df = TRY_CTX(parse_dockerfile(change, "--change"), "commit");
    if (df.instructions.size() != 1) return user_error("commit: --change \"{}\": one instruction", change);
    const Instruction& ins = df.instructions[0];
    static const std::set<std::string> allowed = {"CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL",
                                                   "USER", "VOLUME", "WORKDIR", "STOPSIGNAL"};
    if (!allowed.count(ins.keyword)) {
      return user_error("commit: --change \"{}\": {} cannot be changed by commit", change, ins.keyword);
    }
    parsed.push_back(ins);
  }
  std::string name;
  if (!reference.empty()) name = TRY(normalized_reference(reference));
  StateStore store(root);
  std::string id = TRY(store.resolve(container));
  ContainerSpec spec = TRY(store.load_spec(id));
  if (!spec.rootfs_is_image) {
    return user_error("commit: container {} runs on --rootfs, not an image", container);
  }
  std::string upper = spec.state_dir + "/upper";
  if (::access(upper.c_str(), F_OK) != 0) {
    return user_error("commit: container {} keeps its writes in memory (--rm): nothing to commit",
                      container);
  }
  StoreRoot stores{root};
  Layout layout = TRY(Layout::open(stores.oci_layout()));
  std::string manifest_path = TRY(layout.blob_path(spec.image_digest));
  std::string manifest_text = TRY(read_file(manifest_path));
  // OCI or docker's schema 2 (an image that `load` brought): the document says which.
  auto media = json::parse(manifest_text, nullptr, false);
  std::string type = media.is_object() ? media.value("mediaType", std::string(kOciManifest))
                                       : std::string(kOciManifest);
  Manifest manifest = TRY_CTX(parse_manifest(manifest_text, type), "commit: image of " + container);
  StageState state;
  std::string config_text = TRY(layout.read_stored_blob(manifest.config));
  state.config = json::parse(config_text, nullptr, false);
  if (!state.config.is_object()) return user_error("commit: the image's config is not JSON");
  state.layers = manifest.layers;
  state.created = now_rfc3339();
  for (const auto& ins : parsed) TRY(build::apply_metadata(state, ins, '\\'));
  json entry = {{"created", state.created}, {"created_by", "pocker commit"}};
  if (!message.empty()) entry["comment"] = message;
  if (TRY(upper_is_empty(upper))) {
    entry["empty_layer"] = true;
  } else {
    LayerBlobWriter writer = TRY(LayerBlobWriter::begin(layout));
    TRY(write_upper_tar(upper, [&writer](const void* d, size_t n) { return writer.write(d, n); }));
    TRY(writer.finish());
    state.layers.push_back(writer.blob());
    state.config["rootfs"]["diff_ids"].push_back(writer.diff_id());
  }
  state.config["history"].push_back(entry);
  state.config["created"] = state.created;
  std::string text = state.config.dump();
  Descriptor image = TRY(write_image(layout, text, state.layers));
  if (!name.empty()) TRY(layout.add_ref(name, image));
  return sha256_digest(text);
}

}  // namespace pocker
