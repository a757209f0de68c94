// RUN (builder.hpp): the command in a container of its own, through the
// same run path as `pocker run` with its security defaults; the
// container's overlay upper directory becomes the step's layer.
//
// The container is registered like any other, with an autoremove lock
// (pocker/collect.hpp): should this pocker be killed, the container dies
// with it (PR_SET_PDEATHSIG) and the next pocker command removes its
// directory, name and cgroup. The overlay lives only in the container's
// mount namespace, so no mount outlives it.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "builder.hpp"
#include "pocker/collect.hpp"
#include "pocker/layer_writer.hpp"
#include "pocker/lifecycle.hpp"
#include "pocker/security.hpp"
#include "pocker/spec.hpp"
#include "pocker/state.hpp"

extern char** environ;

namespace pocker::build {
namespace {

using nlohmann::json;

// Removes the step's container however the step ends.
class ContainerGuard {
 public:
  ContainerGuard(StateStore& store, std::string id) : store_(store), id_(std::move(id)) {}
  ~ContainerGuard() { (void)remove_container(store_, id_, true); }
  ContainerGuard(const ContainerGuard&) = delete;
  ContainerGuard& operator=(const ContainerGuard&) = delete;

 private:
  StateStore& store_;
  std::string id_;
};

// -q: the command's output goes nowhere while it runs.
class QuietOutput {
 public:
  explicit QuietOutput(bool quiet) {
    if (!quiet) return;
    std::fflush(stdout);
    saved_ = ::dup(STDOUT_FILENO);
    int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::close(null);
    }
  }
  ~QuietOutput() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
  }
  QuietOutput(const QuietOutput&) = delete;
  QuietOutput& operator=(const QuietOutput&) = delete;

 private:
  int saved_ = -1;
};

Result<ContainerSpec> make_run_spec(const BuildEnv& env, StageState& state, const Instruction& ins) {
  if (state.dirs.empty()) {
    return user_error("RUN needs a file system: this stage has no layer yet (FROM scratch)");
  }
  ContainerSpec spec;
  spec.id = new_container_id();
  spec.name = "pocker-build-" + spec.id.substr(0, 12);
  spec.namespaces.user = ::geteuid() != 0;
  spec.state_dir = env.store.containers() + "/" + spec.id;
  spec.image = "(build step)";
  spec.rootfs = spec.state_dir + "/rootfs";
  spec.rootfs_is_image = true;
  spec.layers.assign(state.dirs.rbegin(), state.dirs.rend());
  json& c = run_config(state);
  if (ins.exec_form) {
    spec.process.args = ins.json;
  } else {
    spec.process.args = state.shell;
    spec.process.args.push_back(ins.args);
  }
  // ENV, then the build args in scope that no ENV overrides: the step
  // sees both, the image keeps only ENV.
  std::vector<std::string> env_list;
  for (const auto& e : c.value("Env", json::array())) env_list.push_back(e.get<std::string>());
  for (const auto& [k, v] : state.args) {
    bool in_env = std::any_of(env_list.begin(), env_list.end(),
                              [&k](const std::string& e) { return e.rfind(k + "=", 0) == 0; });
    if (!in_env) env_list.push_back(k + "=" + v);
  }
  spec.process.env = TRY(build_env(env_list, environ));
  spec.process.cwd = c.value("WorkingDir", "");
  if (spec.process.cwd.empty()) spec.process.cwd = "/";
  spec.process.user = c.value("User", "");
  std::string network = env.options.network;
  if (auto net = ins.flag("network"); net && *net != "default") network = *net;
  if (network.empty()) network = ::geteuid() == 0 ? "bridge" : "none";
  spec.network = network;
  spec.namespaces.net = network != "host";
  spec.security = TRY(make_security_spec(false, {}, {}, {}, {}, {}));
  return spec;
}

}  // namespace

Result<void> run_step(BuildEnv& env, StageState& state, const Instruction& ins,
                      std::optional<RunFailed>& failed, std::string& blob_digest) {
  ContainerSpec spec = TRY(make_run_spec(env, state, ins));
  StateStore store(env.store.root);
  AutoRemoveLock autoremove = TRY(lock_autoremove(store, spec.id));
  if (auto named = store.reserve_name(spec.name, spec.id); !named) {
    autoremove.drop();
    return std::move(named).error();
  }
  ContainerGuard guard(store, spec.id);
  int code;
  {
    QuietOutput quiet(env.options.quiet);
    code = run_attached(store, spec);
  }
  if (code != 0) {
    failed = RunFailed{code};
    return ok();
  }
  std::string upper = spec.state_dir + "/upper";
  if (TRY(upper_is_empty(upper))) {
    add_empty_history(state, ins.original);
    return ok();
  }
  LayerBlobWriter writer = TRY(LayerBlobWriter::begin(env.layout));
  TRY(write_upper_tar(upper, [&writer](const void* d, size_t n) { return writer.write(d, n); }));
  TRY(writer.finish());
  blob_digest = writer.blob().digest;
  return add_layer(env, state, writer.blob(), writer.diff_id(), ins.original);
}

}  // namespace pocker::build
