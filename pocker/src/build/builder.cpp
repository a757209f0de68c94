// `pocker build` (pocker/build.hpp): the Dockerfile parsed and checked,
// the stages the target needs built in order, each step looked up in the
// cache by its key before it runs, and the final image named.
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "builder.hpp"
#include "pocker/digest.hpp"
#include "pocker/reference.hpp"
#include "pocker/fs.hpp"
#include "pocker/state.hpp"
#include "pocker/trace.hpp"
#include "pocker/unpack.hpp"

namespace pocker::build {
namespace {

using nlohmann::json;

std::string cache_dir(const StoreRoot& store) { return store.images() + "/build-cache"; }

// A step's cache entry: the layer it made (or none), and when.
struct CacheEntry {
  std::optional<Descriptor> layer;
  std::string diff_id;
  std::string created;
};

std::optional<CacheEntry> cache_get(const BuildEnv& env, const std::string& key) {
  if (env.options.no_cache) return std::nullopt;
  // handout(build.cache) begin: look the step's key up in the cache: a hit gives the layer the step made last time, and the step does not run

  auto text = read_file(cache_dir(env.store) + "/" + digest_hex(key));
  if (!text) return std::nullopt;
  json j = json::parse(text.value(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  CacheEntry entry;
  entry.created = j.value("created", "");
  if (j.contains("layer") && j["layer"].is_object()) {
    const json& l = j["layer"];
    entry.layer = Descriptor{l.value("mediaType", ""), l.value("digest", ""), l.value("size", 0LL)};
    entry.diff_id = j.value("diff_id", "");
    // A layer whose blob is gone (removed by a prune) is a miss.
    if (!check_digest(entry.layer->digest) || !check_digest(entry.diff_id) ||
        !env.layout.has_blob(entry.layer->digest)) {
      return std::nullopt;
    }
  }
  return entry;
  // handout(build.cache) stub:
  // (void)key;
  // return std::nullopt;
  // handout(build.cache) end
}

void cache_put(const BuildEnv& env, const std::string& key, const CacheEntry& entry) {
  json j = {{"created", entry.created}};
  if (entry.layer) {
    j["layer"] = {{"mediaType", entry.layer->media_type},
                  {"digest", entry.layer->digest},
                  {"size", entry.layer->size}};
    j["diff_id"] = entry.diff_id;
  }
  std::string dir = cache_dir(env.store);
  // A cache that cannot be written makes later builds slower, not wrong.
  if (auto made = make_dirs(dir, 0700); !made) return;
  (void)write_file_atomic(dir + "/" + digest_hex(key), j.dump());
}

Result<std::string> step_key(const StageState& state, const Instruction& ins,
                             const std::string& extra) {
  std::string input = state.key + "\n" + ins.original + "\n";
  for (const auto& [k, v] : state.args) input += "arg " + k + "=" + v + "\n";
  input += extra;
  return sha256_digest(input);
}

std::string now_text() { return now_rfc3339(); }

std::string join_path(const std::string& workdir, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  std::string base = workdir.empty() ? "/" : workdir;
  if (base.back() != '/') base += '/';
  return base + path;
}

// `/src/./a/../b/` → `/src/b/`: `.` and `..` resolved by name, as docker
// does; a destination that ends in `/`, `.` or `..` names a directory.
std::string clean_dest(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  std::string last;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    last = part;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  if (out.empty()) return "/";
  if (last.empty() || last == "." || last == "..") out += "/";
  return out;
}

class Builder {
 public:
  Builder(BuildEnv& env, const BuildPlan& plan) : env_(env), plan_(plan) {}

  Result<BuildResult> build() {
    TRY(resolve_global_args());
    int target = static_cast<int>(plan_.stages.size()) - 1;
    if (!env_.options.target.empty()) {
      auto found = find_stage(plan_, env_.options.target, static_cast<int>(plan_.stages.size()));
      if (!found) return user_error("--target {}: no stage of that name in {}", env_.options.target, plan_.file);
      target = *found;
    }
    auto order = TRY(needed_stages(plan_, target, [this](std::string_view w) {
      return expand_word(w, [this](const std::string& n) { return global(n); }, plan_.escape);
    }));
    total_steps_ = 0;
    for (int i : order) total_steps_ += 1 + static_cast<int>(plan_.stages[i].steps.size());
    states_.resize(plan_.stages.size());
    for (int i : order) {
      auto failed = TRY(build_stage(i));
      if (failed) return BuildResult{failed->exit_code, ""};
    }
    return finish(states_[target].value());
  }

 private:
  std::optional<std::string> global(const std::string& name) const {
    auto it = globals_.find(name);
    if (it == globals_.end()) return std::nullopt;
    return it->second;
  }

  Result<void> resolve_global_args() {
    for (const auto& ins : plan_.global_args) {
      for (const auto& word : split_words(ins.args, plan_.escape)) {
        size_t eq = word.find('=');
        std::string name = word.substr(0, eq);
        declared_.insert(name);
        if (auto given = env_.options.build_args.find(name); given != env_.options.build_args.end()) {
          globals_[name] = given->second;
        } else if (eq != std::string::npos) {
          globals_[name] = TRY_CTX(expand_word(word.substr(eq + 1),
                                               [this](const std::string& n) { return global(n); },
                                               plan_.escape),
                                   fmt::format("{}:{}", plan_.file, ins.line));
        }
      }
    }
    return ok();
  }

  void progress(const Stage& stage, const Instruction& ins) {
    ++step_;
    if (env_.options.quiet) return;
    std::string name = stage.name.empty() ? fmt::format("stage-{}", stage.index) : stage.name;
    std::printf("[%s %d/%d] %s\n", name.c_str(), step_, total_steps_, ins.original.c_str());
    std::fflush(stdout);
  }

  void outcome(const char* text) {
    if (env_.options.quiet) return;
    std::printf(" ---> %s\n", text);
    std::fflush(stdout);
  }

  void done(std::chrono::steady_clock::time_point start) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    outcome(fmt::format("DONE {:.3f}s", s).c_str());
  }

  Result<StageState> from(const Stage& stage) {
    auto words = split_words(stage.from.args, plan_.escape);
    std::string base = TRY(expand_word(words[0], [this](const std::string& n) { return global(n); },
                                       plan_.escape));
    StageState state;
    if (auto dep = find_stage(plan_, base, stage.index)) {
      state = *states_[*dep];
      state.args.clear();
      return state;
    }
    if (base == "scratch") {
      state.config = {{"architecture", "amd64"}, {"os", "linux"}, {"config", json::object()},
                      {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}},
                      {"history", json::array()}};
#if defined(__aarch64__)
      state.config["architecture"] = "arm64";
#endif
      state.key = TRY(sha256_digest("scratch"));
      return state;
    }
    StoredImage image = TRY(find_image(env_.store, base));
    std::string text = TRY(env_.layout.read_stored_blob(image.parsed.config));
    state.config = json::parse(text, nullptr, false);
    if (!state.config.is_object()) return user_error("image {}: config is not JSON", base);
    state.layers = image.parsed.layers;
    auto dirs = TRY(image_layer_dirs(env_.store, image));
    state.dirs.assign(dirs.rbegin(), dirs.rend());
    for (const auto& d : image.config.diff_ids) state.chain = TRY(chain_id(state.chain, d));
    state.created = image.config.created;
    state.key = TRY(sha256_digest("image " + image.manifest.digest));
    return state;
  }

  Result<std::optional<RunFailed>> build_stage(int index) {
    const Stage& stage = plan_.stages[index];
    current_ = index;
    progress(stage, stage.from);
    StageState state = TRY_CTX(from(stage), fmt::format("{}:{}", plan_.file, stage.from.line));
    outcome("DONE");
    for (const auto& ins : stage.steps) {
      progress(stage, ins);
      auto start = std::chrono::steady_clock::now();
      auto failed = step(state, ins);
      if (!failed) {
        return std::move(failed).error().wrap(fmt::format("{}:{}: {}", plan_.file, ins.line, ins.keyword));
      }
      if (failed.value()) {
        std::fprintf(stderr, "pocker: %s:%d: %s: exited with %d\n", plan_.file.c_str(), ins.line,
                     ins.original.c_str(), failed.value()->exit_code);
        return failed.value();
      }
      if (!cached_) done(start);
    }
    states_[index] = std::move(state);
    return std::optional<RunFailed>();
  }

  // One step. Returns a RunFailed when a RUN failed.
  Result<std::optional<RunFailed>> step(StageState& state, const Instruction& ins) {
    cached_ = false;
    const std::string& k = ins.keyword;
    auto vars = [&state](const std::string& n) { return lookup_var(state, n); };
    if (k == "RUN") return layer_step(state, ins, "");
    if (k == "COPY" || k == "ADD") return copy(state, ins);
    if (k == "ARG") {
      for (const auto& word : split_words(ins.args, env_.escape)) {
        size_t eq = word.find('=');
        std::string name = word.substr(0, eq);
        declared_.insert(name);
        if (auto given = env_.options.build_args.find(name); given != env_.options.build_args.end()) {
          state.args[name] = given->second;
        } else if (eq != std::string::npos) {
          state.args[name] = TRY(expand_word(word.substr(eq + 1), vars, env_.escape));
        } else if (auto g = global(name)) {
          state.args[name] = *g;
        }
      }
      state.key = TRY(step_key(state, ins, ""));
      return std::optional<RunFailed>();  // no history entry, as docker
    }
    TRY(apply_metadata(state, ins, env_.escape));
    state.key = TRY(step_key(state, ins, ""));
    add_empty_history(state, ins.original);
    return std::optional<RunFailed>();
  }

  // RUN, or the layer-making half of COPY/ADD (`extra`: what the copy reads).
  Result<std::optional<RunFailed>> layer_step(StageState& state, const Instruction& ins,
                                              const std::string& extra,
                                              const std::function<Result<void>()>& copy = {}) {
    std::string key = TRY(step_key(state, ins, extra));
    if (auto hit = cache_get(env_, key)) {
      cached_ = true;
      outcome("CACHED");
      if (hit->layer) {
        TRY(add_layer(env_, state, *hit->layer, hit->diff_id, ins.original));
      } else {
        add_empty_history(state, ins.original);
      }
      state.created = hit->created;
      if (state.config.contains("history") && !state.config["history"].empty()) {
        state.config["history"].back()["created"] = hit->created;
      }
      state.key = key;
      return std::optional<RunFailed>();
    }
    size_t before = state.layers.size();
    state.created = now_text();
    if (copy) {
      TRY(copy());
    } else {
      std::optional<RunFailed> failed;
      std::string digest;
      TRY(run_step(env_, state, ins, failed, digest));
      if (failed) return failed;
    }
    CacheEntry entry;
    entry.created = state.created;
    if (state.layers.size() > before) {
      entry.layer = state.layers.back();
      entry.diff_id = state.config["rootfs"]["diff_ids"].back().get<std::string>();
    }
    cache_put(env_, key, entry);
    state.key = key;
    return std::optional<RunFailed>();
  }

  Result<std::optional<RunFailed>> copy(StageState& state, const Instruction& ins) {
    auto vars = [&state](const std::string& n) { return lookup_var(state, n); };
    std::vector<std::string> words;
    if (ins.exec_form) {
      words = ins.json;
    } else {
      for (const auto& w : split_words(ins.args, env_.escape)) words.push_back(TRY(expand_word(w, vars, env_.escape)));
    }
    std::string dest_text = words.back();
    words.pop_back();
    std::string workdir = run_config(state).value("WorkingDir", "");
    std::string dest = clean_dest(join_path(workdir, dest_text));
    if (words.size() > 1 && dest.back() != '/') {
      return user_error("with more than one source the destination must end with / ({})", dest_text);
    }
    std::string owner;
    if (auto chown = ins.flag("chown")) owner = TRY(expand_word(*chown, vars, env_.escape));
    CopySource source;
    std::string extra;
    if (auto from_flag = ins.flag("from")) {
      std::string from = TRY(expand_word(*from_flag, vars, env_.escape));
      source.from_context = false;
      source.paths = words;
      if (auto dep = find_stage(plan_, from, current_)) {
        source.root_dirs = states_[*dep]->dirs;
        extra = "from stage " + states_[*dep]->key;
      } else {
        StoredImage image = TRY(find_image(env_.store, from));
        auto dirs = TRY(image_layer_dirs(env_.store, image));
        source.root_dirs.assign(dirs.rbegin(), dirs.rend());
        extra = "from image " + image.manifest.digest;
      }
    } else {
      for (const auto& w : words) {
        for (auto& p : TRY(context_sources(env_.context.get(), env_.ignore, w))) source.paths.push_back(p);
      }
      extra = "context " + TRY(sources_digest(env_.context.get(), env_.ignore, source.paths));
      // Several sources, or one glob: the destination is a directory.
      if (source.paths.size() > 1 && dest.back() != '/') dest += '/';
    }
    extra += "\nowner " + owner + "\ndest " + dest;
    bool unpack = ins.keyword == "ADD";
    return layer_step(state, ins, extra, [&]() {
      return copy_step(env_, state, ins, source, dest, owner, unpack);
    });
  }

  Result<BuildResult> finish(StageState& state) {
    if (state.config.contains("history") && !state.created.empty()) {
      state.config["created"] = state.created;
    }
    for (const auto& [name, value] : env_.options.build_args) {
      if (!declared_.count(name)) {
        std::fprintf(stderr, "pocker: warning: --build-arg %s was not used by any ARG\n", name.c_str());
      }
    }
    std::string text = state.config.dump();
    Descriptor manifest = TRY(write_image(env_.layout, text, state.layers));
    std::string id = TRY(sha256_digest(text));
    for (const auto& tag : env_.options.tags) {
      std::string name = TRY(normalized_reference(tag));
      TRY(env_.layout.add_ref(name, manifest));
      if (!env_.options.quiet) std::printf("Successfully tagged %s\n", name.c_str());
    }
    if (env_.options.quiet) std::printf("%s\n", id.c_str());
    else std::printf("Successfully built %s\n", digest_hex(id).substr(0, 12).c_str());
    return BuildResult{0, id};
  }

  BuildEnv& env_;
  const BuildPlan& plan_;
  std::map<std::string, std::string> globals_;
  std::set<std::string> declared_;
  std::vector<std::optional<StageState>> states_;
  int step_ = 0;
  int total_steps_ = 0;
  int current_ = 0;  // the stage being built
  bool cached_ = false;
};

}  // namespace

Result<void> apply_metadata(StageState& state, const Instruction& ins, char escape) {
  json& c = run_config(state);
  const std::string& k = ins.keyword;
  auto vars = [&state](const std::string& n) { return lookup_var(state, n); };
  if (k == "ENV") {
      for (const auto& [key, value] : TRY(parse_pairs(ins.args, vars, escape, true))) {
        json list = json::array();
        for (const auto& e : c.value("Env", json::array())) {
          std::string s = e.get<std::string>();
          if (s.rfind(key + "=", 0) != 0) list.push_back(s);
        }
        list.push_back(key + "=" + value);
        c["Env"] = list;
      }
    } else if (k == "WORKDIR") {
      std::string dir = TRY(expand_word(ins.args, vars, escape));
      c["WorkingDir"] = join_path(c.value("WorkingDir", ""), dir);
    } else if (k == "USER") {
      c["User"] = TRY(expand_word(ins.args, vars, escape));
    } else if (k == "CMD" || k == "ENTRYPOINT") {
      json cmd = ins.exec_form ? json(ins.json) : json::array();
      if (!ins.exec_form) {
        for (const auto& s : state.shell) cmd.push_back(s);
        cmd.push_back(ins.args);
      }
      c[k == "CMD" ? "Cmd" : "Entrypoint"] = cmd;
      // A new ENTRYPOINT drops the Cmd of the base image, as docker does.
      if (k == "ENTRYPOINT") c.erase("Cmd");
    } else if (k == "EXPOSE") {
      for (const auto& w : split_words(ins.args, escape)) {
        std::string port = TRY(expand_word(w, vars, escape));
        if (port.find('/') == std::string::npos) port += "/tcp";
        c["ExposedPorts"][port] = json::object();
      }
    } else if (k == "VOLUME") {
      std::vector<std::string> paths = ins.exec_form ? ins.json : std::vector<std::string>{};
      if (!ins.exec_form) {
        for (const auto& w : split_words(ins.args, escape)) paths.push_back(TRY(expand_word(w, vars, escape)));
      }
      for (const auto& p : paths) c["Volumes"][p] = json::object();
    } else if (k == "LABEL") {
      for (const auto& [key, value] : TRY(parse_pairs(ins.args, vars, escape, false))) {
        c["Labels"][key] = value;
      }
    } else if (k == "STOPSIGNAL") {
      c["StopSignal"] = TRY(expand_word(ins.args, vars, escape));
    } else if (k == "SHELL") {
      state.shell = ins.json;
    } else if (k == "MAINTAINER") {
      state.config["author"] = ins.args;
    }
  return ok();
}

json& run_config(StageState& state) {
  if (!state.config.contains("config") || !state.config["config"].is_object()) {
    state.config["config"] = json::object();
  }
  return state.config["config"];
}

std::optional<std::string> lookup_var(const StageState& state, const std::string& name) {
  if (state.config.contains("config") && state.config["config"].contains("Env")) {
    for (const auto& e : state.config["config"]["Env"]) {
      if (!e.is_string()) continue;
      std::string s = e.get<std::string>();
      if (s.rfind(name + "=", 0) == 0) return s.substr(name.size() + 1);
    }
  }
  auto it = state.args.find(name);
  if (it != state.args.end()) return it->second;
  return std::nullopt;
}

void add_empty_history(StageState& state, const std::string& created_by) {
  json entry = {{"created_by", created_by}, {"empty_layer", true}};
  if (!state.created.empty()) entry["created"] = state.created;
  if (!state.config.contains("history") || !state.config["history"].is_array()) {
    state.config["history"] = json::array();
  }
  state.config["history"].push_back(entry);
}

Result<void> add_layer(BuildEnv& env, StageState& state, const Descriptor& blob,
                       const std::string& diff_id, const std::string& created_by) {
  std::string chain = TRY(chain_id(state.chain, diff_id));
  std::string dir = env.store.layers() + "/" + digest_hex(chain) + "/diff";
  if (::access(dir.c_str(), F_OK) != 0) {
    Fd fd = TRY(env.layout.open_blob(blob.digest));
    UnpackedLayer layer = TRY(unpack_layer(env.store.layers(), state.chain, fd.get(),
                                           LayerDigests{blob.digest, diff_id}, UnpackOptions{}));
    dir = layer.path;
  }
  state.chain = chain;
  state.layers.push_back(blob);
  state.dirs.push_back(dir);
  state.config["rootfs"]["type"] = "layers";
  state.config["rootfs"]["diff_ids"].push_back(diff_id);
  json entry = {{"created_by", created_by}};
  if (!state.created.empty()) entry["created"] = state.created;
  if (!state.config.contains("history") || !state.config["history"].is_array()) {
    state.config["history"] = json::array();
  }
  state.config["history"].push_back(entry);
  return ok();
}

}  // namespace pocker::build

namespace pocker {

Result<BuildResult> build_image(const std::string& root, const BuildOptions& options) {
  std::string file = options.dockerfile.empty() ? options.context + "/Dockerfile" : options.dockerfile;
  struct stat st;
  if (::stat(options.context.c_str(), &st) < 0) return sys_error("build context {}", options.context);
  if (!S_ISDIR(st.st_mode)) return user_error("build context {}: not a directory", options.context);
  std::string text = TRY_CTX(read_file(file), "Dockerfile");
  Dockerfile df = TRY(parse_dockerfile(text, file));
  BuildPlan plan = TRY(plan_stages(df));
  if (!options.target.empty() &&
      !find_stage(plan, options.target, static_cast<int>(plan.stages.size()))) {
    return user_error("--target {}: no stage of that name in {}", options.target, file);
  }
  for (const auto& tag : options.tags) TRY(normalized_reference(tag));
  Fd context(::open(options.context.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!context) return sys_error("open {}", options.context);
  StoreRoot store{root};
  build::BuildEnv env{store, TRY(Layout::open(store.oci_layout())), options, df.escape, std::move(context), {}};
  env.ignore = TRY(build::DockerIgnore::read(env.context.get()));
  build::Builder builder(env, plan);
  return builder.build();
}

}  // namespace pocker
