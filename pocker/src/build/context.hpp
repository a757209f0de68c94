// Internal to the build module: the build context, read safely. Every
// path is resolved beneath the context directory (openat2 with
// RESOLVE_BENEATH): a symlink that leads outside it is refused, never
// followed. .dockerignore patterns hide files from COPY and from the cache
// digest.
#pragma once

#include <string>
#include <vector>

#include "pocker/error.hpp"
#include "pocker/fd.hpp"

namespace pocker::build {

/// The patterns of a .dockerignore file, in order (`!` lines re-include).
class DockerIgnore {
 public:
  /// Reads `<context>/.dockerignore`; none is no pattern.
  static Result<DockerIgnore> read(int context_fd);
  /// Parses the text of a .dockerignore file.
  static DockerIgnore parse(const std::string& text);
  /// True when `path` (relative to the context, `a/b`) is left out: the
  /// last pattern that matches it, or one of its parents, decides.
  bool ignored(const std::string& path) const;

 private:
  struct Pattern {
    std::vector<std::string> parts;
    bool exclude = true;  // false for `!pattern`
  };
  std::vector<Pattern> patterns_;
};

/// `pattern` (with `*`, `?`, `[...]` inside one path element and `**` for
/// any number of elements) against `path`, both split at `/`.
bool path_match(const std::string& pattern, const std::string& path);

/// openat2(dirfd, path, flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS):
/// fails with a clear message for a path that leaves `dirfd`.
Result<Fd> open_beneath(int dirfd, const std::string& path, int flags, const std::string& shown);

/// openat2 with RESOLVE_IN_ROOT: `path` as it would resolve were `root` "/".
Result<Fd> open_in_root(int root, const std::string& path, int flags, const std::string& shown);

/// The context paths (relative, cleaned) a COPY source names: the path
/// itself, or every path that a glob matches, sorted; ignored paths are
/// dropped. None matching is an error.
Result<std::vector<std::string>> context_sources(int context_fd, const DockerIgnore& ignore,
                                                 const std::string& source);

/// A digest of the named sources and everything below them that is not
/// ignored: names, types, modes, sizes, contents and link targets (not
/// times: a fresh checkout has new ones, and docker's cache ignores them).
Result<std::string> sources_digest(int context_fd, const DockerIgnore& ignore,
                                   const std::vector<std::string>& sources);

/// Cleans a relative path: no leading `/` or `./`, no `.` elements, no
/// trailing `/`. `..` elements are refused (the context has no parent).
Result<std::string> clean_relative(const std::string& path);

}  // namespace pocker::build
