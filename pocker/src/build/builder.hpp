// Internal to the build module: the state of a stage while it is built,
// and the steps that make layers (RUN in run_step.cpp, COPY and ADD in
// copy_step.cpp).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "pocker/build.hpp"
#include "pocker/dockerfile.hpp"
#include "pocker/image.hpp"
#include "pocker/layout.hpp"

namespace pocker::build {

/// A stage as far as it is built: its image so far and its cache key.
struct StageState {
  nlohmann::json config;           ///< the whole image config
  std::vector<Descriptor> layers;  ///< bottom first
  std::vector<std::string> dirs;   ///< unpacked layers, bottom first
  std::string chain;               ///< ChainID of the layers so far
  std::string key;                 ///< cache key of the last step
  std::string created;             ///< the time of the last layer (history and config)
  std::map<std::string, std::string> args;  ///< ARGs declared in the stage, with values
  std::vector<std::string> shell = {"/bin/sh", "-c"};
};

/// What every step can reach.
struct BuildEnv {
  StoreRoot store;
  Layout layout;
  BuildOptions options;
  char escape = '\\';
  Fd context;            ///< the context directory (O_PATH)
  DockerIgnore ignore;
};

/// A step whose RUN failed: the build ends with this exit code.
struct RunFailed {
  int exit_code = 1;
};

/// The config's `config` object (made if missing).
nlohmann::json& run_config(StageState& state);

/// The environment a step's variables come from: ENV over ARG.
std::optional<std::string> lookup_var(const StageState& state, const std::string& name);

/// Adds a layer (already a blob of the layout) to the stage: unpacks it
/// into the layer store unless there already, and appends diff_id and history.
Result<void> add_layer(BuildEnv& env, StageState& state, const Descriptor& blob,
                       const std::string& diff_id, const std::string& created_by);

/// Applies a metadata instruction (ENV, WORKDIR, USER, CMD, ENTRYPOINT,
/// EXPOSE, VOLUME, LABEL, STOPSIGNAL, SHELL, MAINTAINER) to the config.
Result<void> apply_metadata(StageState& state, const Instruction& ins, char escape);

/// Adds a history entry with no layer.
void add_empty_history(StageState& state, const std::string& created_by);

/// RUN: runs the command in a container on the stage's layers. A failing
/// command sets `failed` and leaves nothing behind. Returns the new layer
/// (empty digest when the command changed no file).
Result<void> run_step(BuildEnv& env, StageState& state, const Instruction& ins,
                      std::optional<RunFailed>& failed, std::string& blob_digest);

/// What a COPY or ADD copies from.
struct CopySource {
  bool from_context = true;            ///< the build context, else a stage or image root
  std::vector<std::string> root_dirs;  ///< not context: its layers, bottom first
  std::vector<std::string> paths;      ///< context: cleaned relative paths; else as given
};

/// COPY/ADD: the sources into `dest` (absolute, in the image), owned by
/// `owner` (`uid:gid` text, or empty for 0:0). Writes the layer.
Result<void> copy_step(BuildEnv& env, StageState& state, const Instruction& ins,
                       const CopySource& source, const std::string& dest, const std::string& owner,
                       bool unpack_archives);

}  // namespace pocker::build
