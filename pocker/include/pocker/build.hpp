/// @file
/// @brief `pocker build` and `pocker commit`: new images from a Dockerfile
/// or from a container's writes.
///
/// A build walks the stages the target needs, in order. Each RUN runs in
/// a container of its own on the layers so far (the same run path and
/// security defaults as `pocker run`); its overlay upper directory becomes
/// the step's layer (pocker/layer_writer.hpp). COPY and ADD write into an
/// overlay of the layers so far in a private mount namespace, with every
/// destination resolved inside the image's root, and their upper directory
/// becomes the layer the same way. Every step has a cache key: the parent
/// step's key, the instruction, the build args in scope and, for COPY and
/// ADD, a digest of the files copied; a step whose key is in the cache is
/// not run again.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pocker/error.hpp"

namespace pocker {

/// What `pocker build` was asked.
struct BuildOptions {
  std::string context;              ///< the build context directory
  std::string dockerfile;           ///< -f; empty: CONTEXT/Dockerfile
  std::vector<std::string> tags;    ///< -t, any number
  std::string target;               ///< --target: the stage to build; empty: the last
  std::map<std::string, std::string> build_args;  ///< --build-arg K=V
  bool no_cache = false;            ///< --no-cache: run every step
  bool quiet = false;               ///< -q: print only the image id
  std::string network;              ///< --network for RUN: none, host or bridge
};

/// How a build ended.
struct BuildResult {
  int exit_code = 0;     ///< 0, or the exit code of the RUN that failed
  std::string image_id;  ///< with exit_code 0: the config's digest
};

/// Builds the image. A bad Dockerfile fails with `FILE:LINE: ...` before
/// anything runs. A RUN that fails ends the build with its exit code and
/// leaves no image, container, mount or cgroup behind.
Result<BuildResult> build_image(const std::string& root, const BuildOptions& options);

/// `pocker commit`: the container's writes (its overlay upper directory)
/// as a new layer on top of its image, with `changes` (Dockerfile
/// instructions: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME,
/// WORKDIR) applied to the config and `message` as the history comment.
/// Named `reference` when it is not empty. Returns the image id.
Result<std::string> commit_container(const std::string& root, const std::string& container,
                                     const std::vector<std::string>& changes,
                                     const std::string& message, const std::string& reference);

}  // namespace pocker
