// Reads a seccomp profile in docker's JSON format into a SeccompProfile,
// checking every name against libseccomp and libcap now, so that a bad
// profile fails at `pocker run` with the key that is wrong, not later in
// the child.
#include "pocker/seccomp.hpp"

#include <charconv>

#include <nlohmann/json.hpp>
#include <seccomp.h>
#include <sys/capability.h>

#include "seccomp_names.hpp"

namespace pocker {

namespace {

using nlohmann::json;

// Walks one document; every error names the source and the key path
// ("syscalls[3].names[1]").
class ProfileReader {
 public:
  explicit ProfileReader(const std::string& source) : source_(source) {}

  Error bad(const std::string& key, const std::string& what) const {
    return user_error("profile {}: {}: {}", source_, key, what);
  }

  Result<SeccompProfile> read(const json& doc) {
    if (!doc.is_object()) return bad("top level", "expected an object");
    SeccompProfile profile;
    profile.default_action = TRY(string_at(doc, "defaultAction", "defaultAction"));
    profile.default_errno = TRY(optional_uint(doc, "defaultErrnoRet", "defaultErrnoRet"));
    TRY(check_action(profile.default_action, "defaultAction"));
    profile.architectures = TRY(architectures(doc));
    if (doc.contains("syscalls") && !doc["syscalls"].is_null()) {
      const json& calls = doc["syscalls"];
      if (!calls.is_array()) return bad("syscalls", "expected an array");
      for (size_t i = 0; i < calls.size(); ++i)
        profile.rules.push_back(TRY(rule(calls[i], fmt::format("syscalls[{}]", i))));
    }
    return profile;
  }

 private:
  // `architectures` as given, plus from `archMap` the entry of this
  // machine's architecture with its subArchitectures: the others can
  // never run here. Every name is checked, used or not.
  Result<std::vector<std::string>> architectures(const json& doc) {
    std::vector<std::string> out = TRY(strings_at(doc, "architectures", "architectures"));
    for (size_t i = 0; i < out.size(); ++i) TRY(check_arch(out[i], fmt::format("architectures[{}]", i)));
    if (!doc.contains("archMap") || doc["archMap"].is_null()) return out;
    const json& map = doc["archMap"];
    if (!map.is_array()) return bad("archMap", "expected an array");
    std::string native = seccomp_names::native_name();
    for (size_t i = 0; i < map.size(); ++i) {
      std::string key = fmt::format("archMap[{}]", i);
      if (!map[i].is_object()) return bad(key, "expected an object");
      std::string arch = TRY(string_at(map[i], "architecture", key + ".architecture"));
      TRY(check_arch(arch, key + ".architecture"));
      std::vector<std::string> subs = TRY(strings_at(map[i], "subArchitectures", key + ".subArchitectures"));
      for (size_t j = 0; j < subs.size(); ++j)
        TRY(check_arch(subs[j], fmt::format("{}.subArchitectures[{}]", key, j)));
      if (arch != native) continue;
      out.push_back(arch);
      out.insert(out.end(), subs.begin(), subs.end());
    }
    return out;
  }

  Result<SeccompRule> rule(const json& entry, const std::string& key) {
    if (!entry.is_object()) return bad(key, "expected an object");
    SeccompRule rule;
    rule.names = TRY(strings_at(entry, "names", key + ".names"));
    if (entry.contains("name")) rule.names.push_back(TRY(string_at(entry, "name", key + ".name")));
    if (rule.names.empty()) return bad(key, "no syscall names (\"names\")");
    for (size_t i = 0; i < rule.names.size(); ++i) {
      // A name libseccomp knows for any architecture resolves (to a
      // negative placeholder when this one lacks it); only a name it has
      // never heard of gives __NR_SCMP_ERROR.
      if (seccomp_syscall_resolve_name(rule.names[i].c_str()) == __NR_SCMP_ERROR)
        return bad(fmt::format("{}.names[{}]", key, i), fmt::format("unknown syscall \"{}\"", rule.names[i]));
    }
    rule.action = TRY(string_at(entry, "action", key + ".action"));
    TRY(check_action(rule.action, key + ".action"));
    rule.errno_ret = TRY(optional_uint(entry, "errnoRet", key + ".errnoRet"));
    if (entry.contains("args") && !entry["args"].is_null()) {
      const json& args = entry["args"];
      if (!args.is_array()) return bad(key + ".args", "expected an array");
      if (args.size() > 6) return bad(key + ".args", "a syscall has at most 6 arguments");
      for (size_t i = 0; i < args.size(); ++i)
        rule.args.push_back(TRY(arg(args[i], fmt::format("{}.args[{}]", key, i))));
    }
    TRY(includes(entry, key, rule));
    TRY(excludes(entry, key, rule));
    return rule;
  }

  Result<SeccompArg> arg(const json& entry, const std::string& key) {
    if (!entry.is_object()) return bad(key, "expected an object");
    SeccompArg arg;
    auto index = TRY(optional_uint(entry, "index", key + ".index"));
    if (!index) return bad(key + ".index", "missing");
    if (*index > 5) return bad(key + ".index", fmt::format("must be 0 to 5, not {}", *index));
    arg.index = *index;
    arg.value = TRY(u64_at(entry, "value", key + ".value"));
    arg.value_two = TRY(u64_at(entry, "valueTwo", key + ".valueTwo"));
    arg.op = TRY(string_at(entry, "op", key + ".op"));
    if (!seccomp_names::compare_op(arg.op))
      return bad(key + ".op", fmt::format("unknown operator \"{}\"", arg.op));
    return arg;
  }

  Result<void> includes(const json& entry, const std::string& rule_key, SeccompRule& rule) {
    if (!entry.contains("includes") || entry["includes"].is_null()) return ok();
    const json& inc = entry["includes"];
    std::string key = rule_key + ".includes";
    if (!inc.is_object()) return bad(key, "expected an object");
    rule.caps_any = TRY(caps_at(inc, key + ".caps"));
    rule.arches = TRY(strings_at(inc, "arches", key + ".arches"));
    if (inc.contains("minKernel") && !inc["minKernel"].is_null()) {
      std::string version = TRY(string_at(inc, "minKernel", key + ".minKernel"));
      // docker writes "major.minor", e.g. "4.8".
      unsigned major = 0, minor = 0;
      const char* end = version.data() + version.size();
      auto [dot, e1] = std::from_chars(version.data(), end, major);
      bool good = e1 == std::errc() && dot != end && *dot == '.';
      if (good) {
        auto [rest, e2] = std::from_chars(dot + 1, end, minor);
        good = e2 == std::errc() && rest == end;
      }
      if (!good) return bad(key + ".minKernel", fmt::format("expected \"major.minor\", not \"{}\"", version));
      rule.min_kernel_major = major;
      rule.min_kernel_minor = minor;
    }
    return ok();
  }

  Result<void> excludes(const json& entry, const std::string& rule_key, SeccompRule& rule) {
    if (!entry.contains("excludes") || entry["excludes"].is_null()) return ok();
    const json& exc = entry["excludes"];
    std::string key = rule_key + ".excludes";
    if (!exc.is_object()) return bad(key, "expected an object");
    rule.caps_none = TRY(caps_at(exc, key + ".caps"));
    rule.arches_none = TRY(strings_at(exc, "arches", key + ".arches"));
    // Refused rather than ignored: ignoring it would allow more than the
    // profile's author meant.
    if (exc.contains("minKernel") && !exc["minKernel"].is_null())
      return bad(key + ".minKernel", "not supported");
    return ok();
  }

  Result<std::vector<std::string>> caps_at(const json& obj, const std::string& key) {
    std::vector<std::string> caps = TRY(strings_at(obj, "caps", key));
    for (size_t i = 0; i < caps.size(); ++i) {
      cap_value_t value;
      if (cap_from_name(caps[i].c_str(), &value) != 0)
        return bad(fmt::format("{}[{}]", key, i), fmt::format("unknown capability \"{}\"", caps[i]));
    }
    return caps;
  }

  Result<void> check_action(const std::string& action, const std::string& key) {
    if (action == "SCMP_ACT_NOTIFY")
      return bad(key, "SCMP_ACT_NOTIFY needs a seccomp agent, which pocker does not have");
    if (!seccomp_names::action(action, 0)) return bad(key, fmt::format("unknown action \"{}\"", action));
    return ok();
  }

  Result<void> check_arch(const std::string& arch, const std::string& key) {
    if (!seccomp_names::token(arch)) return bad(key, fmt::format("unknown architecture \"{}\"", arch));
    return ok();
  }

  Result<std::string> string_at(const json& obj, const char* name, const std::string& key) {
    if (!obj.contains(name)) return bad(key, "missing");
    if (!obj[name].is_string()) return bad(key, "expected a string");
    return obj[name].get<std::string>();
  }

  // A missing or null list is an empty one: docker writes
  // `"subArchitectures": null`.
  Result<std::vector<std::string>> strings_at(const json& obj, const char* name, const std::string& key) {
    std::vector<std::string> out;
    if (!obj.contains(name) || obj[name].is_null()) return out;
    const json& list = obj[name];
    if (!list.is_array()) return bad(key, "expected an array of strings");
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) return bad(fmt::format("{}[{}]", key, i), "expected a string");
      out.push_back(list[i].get<std::string>());
    }
    return out;
  }

  Result<uint64_t> u64_at(const json& obj, const char* name, const std::string& key) {
    if (!obj.contains(name) || obj[name].is_null()) return uint64_t{0};
    if (!obj[name].is_number_unsigned()) return bad(key, "expected a number from 0 to 2^64-1");
    return obj[name].get<uint64_t>();
  }

  Result<std::optional<unsigned>> optional_uint(const json& obj, const char* name, const std::string& key) {
    if (!obj.contains(name) || obj[name].is_null()) return std::optional<unsigned>();
    if (!obj[name].is_number_unsigned() || obj[name].get<uint64_t>() > 0xffff)
      return bad(key, "expected a number from 0 to 65535");
    return std::optional<unsigned>(obj[name].get<unsigned>());
  }

  const std::string& source_;
};

// "line 3, column 7" for a byte offset, as an editor counts them.
std::string position(const std::string& text, size_t byte) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

}  // namespace

Result<SeccompProfile> parse_seccomp_profile(const std::string& json_text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    // e.byte is one past the character that stopped the parser.
    return user_error("profile {}: not valid JSON at {}", source,
                      position(json_text, e.byte > 0 ? e.byte - 1 : 0));
  } catch (const json::exception& e) {
    // A number too large for a double (1e400) is out_of_range 406, not a
    // parse_error, and has no position (found by fuzz/seccomp_fuzz).
    return user_error("profile {}: not valid JSON: {}", source, e.what());
  }
  return ProfileReader(source).read(doc);
}

}  // namespace pocker
