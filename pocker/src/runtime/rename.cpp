// `pocker rename C NEW`: the new name is taken first (O_EXCL, as at run),
// then written into config.json and state.json, and only then is the old
// one freed: at every moment the container has at least one name that
// resolves to it, and a name is never free while still in use.
#include <unistd.h>

#include "pocker/fs.hpp"
#include "pocker/lifecycle.hpp"
#include "pocker/op_lock.hpp"
#include "pocker/trace.hpp"

namespace pocker {

Result<void> rename_container(StateStore& store, const std::string& id, const std::string& name) {
  auto op = TRY(OpLock::take(store, id));
  auto spec = TRY(store.load_spec(id));
  if (spec.name == name) return user_error("container {} is already named \"{}\"", id.substr(0, 12), name);
  TRY(store.reserve_name(name, id));
  const std::string old = spec.name;
  spec.name = name;
  // The monitor reads and writes state.json under this lock (lifecycle.cpp).
  auto lock = store.lock(id);
  auto state = store.load(id);
  auto written = write_file_atomic(store.dir(id) + "/config.json", spec_to_json(spec), 0600);
  // No state.json yet (never started): load() takes the name from config.json.
  if (written && state && ::access((store.dir(id) + "/state.json").c_str(), F_OK) == 0) {
    ContainerState s = state.value();
    s.name = name;
    written = store.save(s);
  }
  if (!written) {
    store.release_name(name);
    return std::move(written).error().wrap("rename");
  }
  store.release_name(old);
  trace("rename container {}: {} -> {}", id.substr(0, 12), old, name);
  return ok();
}

}  // namespace pocker
