#include "security_json.hpp"

#include "json_number.hpp"

namespace pocker {

using nlohmann::json;

json security_to_json(const SecuritySpec& spec) {
  json devices = json::array();
  for (const auto& d : spec.devices) {
    devices.push_back({{"host_path", d.host_path},
                       {"container_path", d.container_path},
                       {"access", d.access},
                       {"type", std::string(1, d.type)},
                       {"major", d.major},
                       {"minor", d.minor},
                       {"mode", d.mode},
                       {"uid", d.uid},
                       {"gid", d.gid}});
  }
  json rules = json::array();
  for (const auto& r : spec.device_rules) {
    rules.push_back((r.allow ? "allow " : "deny ") + device_rule_line(r));
  }
  return {{"privileged", spec.privileged},
          {"cap_add", spec.cap_add},
          {"cap_drop", spec.cap_drop},
          {"capabilities", spec.capabilities},
          {"no_new_privileges", spec.no_new_privileges},
          {"seccomp", spec.seccomp},
          {"seccomp_profile", spec.seccomp_profile},
          {"devices", devices},
          {"device_rules", rules}};
}

Result<SecuritySpec> security_from_json(const json& j) {
  if (j.is_null()) return make_security_spec(false, {}, {}, {}, {}, {});
  SecuritySpec spec;
  try {
    spec.privileged = j.at("privileged");
    spec.cap_add = j.at("cap_add").get<std::vector<std::string>>();
    spec.cap_drop = j.at("cap_drop").get<std::vector<std::string>>();
    spec.capabilities = json_integer<CapSet>(j.at("capabilities"));
    spec.no_new_privileges = j.at("no_new_privileges");
    spec.seccomp = j.at("seccomp");
    spec.seccomp_profile = j.at("seccomp_profile");
    for (const auto& d : j.at("devices")) {
      DeviceMapping m;
      m.host_path = d.at("host_path");
      m.container_path = d.at("container_path");
      m.access = d.at("access");
      // One letter; std::string::at(0) of "" would throw past the catch
      // below, which takes only json's exceptions (found by fuzz/spec_json_fuzz).
      std::string type = d.at("type");
      if (type != "c" && type != "b") return user_error("config.json: bad device type \"{}\"", type);
      m.type = type[0];
      m.major = json_integer<uint32_t>(d.at("major"));
      m.minor = json_integer<uint32_t>(d.at("minor"));
      m.mode = json_integer<mode_t>(d.at("mode"));
      m.uid = json_integer<uid_t>(d.at("uid"));
      m.gid = json_integer<gid_t>(d.at("gid"));
      spec.devices.push_back(std::move(m));
    }
    for (const auto& line : j.at("device_rules")) {
      std::string text = line;
      bool allow = text.rfind("allow ", 0) == 0;
      if (!allow && text.rfind("deny ", 0) != 0) return user_error("config.json: bad device rule \"{}\"", text);
      DeviceRule rule = TRY_CTX(parse_device_rule(text.substr(allow ? 6 : 5)), "config.json");
      rule.allow = allow;
      spec.device_rules.push_back(rule);
    }
  } catch (const json::exception& e) {
    return user_error("config.json: security: {}", e.what());
  }
  return spec;
}

}  // namespace pocker
