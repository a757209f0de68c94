// The checks made before a build runs (pocker/dockerfile.hpp): every
// instruction's shape, the stages, and which stages a target needs.
#include <algorithm>
#include <cctype>
#include <set>

#include "pocker/dockerfile.hpp"

namespace pocker {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool valid_stage_name(const std::string& name) {
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

Result<void> check_flags(const Instruction& ins, std::initializer_list<const char*> allowed) {
  for (const auto& flag : ins.flags) {
    const std::string& name = flag.first;
    const std::string& value = flag.second;
    if (std::none_of(allowed.begin(), allowed.end(), [&name](const char* a) { return name == a; })) {
      return user_error("{} --{} is not supported", ins.keyword, name);
    }
    if (value.empty()) return user_error("{} --{} needs a value", ins.keyword, name);
  }
  return ok();
}

// Variables left as they are: only the syntax is checked here.
std::optional<std::string> no_vars(const std::string&) { return std::nullopt; }

Result<void> check(const Instruction& ins, char escape) {
  const std::string& k = ins.keyword;
  auto words = split_words(ins.args, escape);
  if (k == "ONBUILD" || k == "HEALTHCHECK") return user_error("{} is not supported", k);
  if (k == "FROM") {
    TRY(check_flags(ins, {"platform"}));
    if (words.size() != 1 && !(words.size() == 3 && lower(words[1]) == "as")) {
      return user_error("FROM needs an image, optionally followed by AS NAME");
    }
    if (words.size() == 3 && !valid_stage_name(lower(words[2]))) {
      return user_error("FROM: invalid stage name {}", words[2]);
    }
    return ok();
  }
  if (k == "RUN") {
    TRY(check_flags(ins, {"network"}));
    if (auto net = ins.flag("network"); net && *net != "none" && *net != "host" && *net != "default") {
      return user_error("RUN --network={}: use none, host or default", *net);
    }
    if (ins.exec_form ? ins.json.empty() : ins.args.empty()) return user_error("RUN needs a command");
    return ok();
  }
  if (k == "COPY" || k == "ADD") {
    if (k == "COPY") TRY(check_flags(ins, {"from", "chown"}));
    else TRY(check_flags(ins, {"chown"}));
    size_t n = ins.exec_form ? ins.json.size() : words.size();
    if (n < 2) return user_error("{} needs a source and a destination", k);
    return ok();
  }
  TRY(check_flags(ins, {}));
  if (k == "ENV" || k == "LABEL") {
    TRY(parse_pairs(ins.args, no_vars, escape, k == "ENV"));
    return ok();
  }
  if (k == "ARG") {
    if (words.empty()) return user_error("ARG needs a name");
    for (const auto& w : words) {
      std::string name = w.substr(0, w.find('='));
      if (name.empty()) return user_error("ARG {}: no name", w);
    }
    return ok();
  }
  if (k == "WORKDIR" || k == "USER" || k == "STOPSIGNAL") {
    if (ins.args.empty()) return user_error("{} needs a value", k);
    return ok();
  }
  if (k == "EXPOSE" || k == "VOLUME" || k == "MAINTAINER") {
    if (ins.args.empty()) return user_error("{} needs a value", k);
    return ok();
  }
  if (k == "SHELL") {
    if (!ins.exec_form || ins.json.empty()) return user_error("SHELL needs a JSON array, e.g. [\"/bin/sh\", \"-c\"]");
    return ok();
  }
  return ok();  // CMD, ENTRYPOINT: any form
}

}  // namespace

Result<BuildPlan> plan_stages(const Dockerfile& dockerfile) {
  BuildPlan plan;
  plan.file = dockerfile.file;
  plan.escape = dockerfile.escape;
  std::set<std::string> names;
  for (const auto& ins : dockerfile.instructions) {
    if (auto checked = check(ins, dockerfile.escape); !checked) {
      return user_error("{}:{}: {}", dockerfile.file, ins.line, checked.error().message());
    }
    if (ins.keyword == "FROM") {
      Stage stage;
      stage.index = static_cast<int>(plan.stages.size());
      stage.from = ins;
      auto words = split_words(ins.args, dockerfile.escape);
      if (words.size() == 3) {
        stage.name = lower(words[2]);
        if (!names.insert(stage.name).second) {
          return user_error("{}:{}: a stage named {} comes earlier", dockerfile.file, ins.line, stage.name);
        }
      }
      plan.stages.push_back(std::move(stage));
    } else if (plan.stages.empty()) {
      if (ins.keyword != "ARG") {
        return user_error("{}:{}: {} before the first FROM (only ARG may come there)",
                          dockerfile.file, ins.line, ins.keyword);
      }
      plan.global_args.push_back(ins);
    } else {
      plan.stages.back().steps.push_back(ins);
    }
  }
  if (plan.stages.empty()) return user_error("{}: no FROM instruction", dockerfile.file);
  return plan;
}

std::optional<int> find_stage(const BuildPlan& plan, std::string_view name, int before) {
  std::string wanted = lower(std::string(name));
  for (int i = 0; i < before && i < static_cast<int>(plan.stages.size()); ++i) {
    if (!plan.stages[i].name.empty() && plan.stages[i].name == wanted) return i;
  }
  if (!wanted.empty() && std::all_of(wanted.begin(), wanted.end(), ::isdigit) && wanted.size() < 6) {
    int index = std::stoi(wanted);
    if (index < before) return index;
  }
  return std::nullopt;
}

Result<std::vector<int>> needed_stages(
    const BuildPlan& plan, int target,
    const std::function<Result<std::string>(std::string_view)>& expand) {
  std::vector<bool> need(plan.stages.size(), false);
  need[target] = true;
  // Later stages can only depend on earlier ones: one pass backwards.
  for (int i = target; i >= 0; --i) {
    if (!need[i]) continue;
    const Stage& stage = plan.stages[i];
    auto words = split_words(stage.from.args, plan.escape);
    std::string base = TRY(expand(words[0]));
    if (auto dep = find_stage(plan, base, i)) need[*dep] = true;
    for (const auto& step : stage.steps) {
      auto from = step.keyword == "COPY" ? step.flag("from") : std::nullopt;
      if (!from) continue;
      std::string name = TRY(expand(*from));
      if (auto dep = find_stage(plan, name, i)) need[*dep] = true;
    }
  }
  std::vector<int> order;
  for (int i = 0; i <= target; ++i) {
    if (need[i]) order.push_back(i);
  }
  return order;
}

}  // namespace pocker
