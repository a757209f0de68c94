// Image references in docker's grammar (distribution's reference package,
// `reference.go`, documents it): names are read the way `docker pull`
// reads them, so `pocker run busybox` and `docker run busybox` mean the
// same image.
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path-component [ "/" path-component ]*
//   domain     := domain-part [ "." domain-part ]* [ ":" port ]
//   domain-part:= [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//   path-component := [a-z0-9]+ ( separator [a-z0-9]+ )*
//   separator  := "." | "_" | "__" | "-"+
//   tag        := [\w][\w.-]{0,127}
//   digest     := "sha256:" 64 lower-case hex (the only algorithm we take)
#include "pocker/reference.hpp"

#include <cctype>

namespace pocker {
namespace {

constexpr size_t kMaxNameLength = 255;  // distribution's NameTotalLengthMax
constexpr size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return is_alnum(c) || c == '_'; }

// One path component: lower-case runs joined by ".", "_", "__" or dashes.
bool valid_path_component(std::string_view part) {
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < part.size() && is_lower_alnum(part[i])) ++i;
    if (i == start) return false;  // empty, or a separator where a run must be
    if (i == part.size()) return true;
    if (part[i] == '.') {
      ++i;
    } else if (part[i] == '_') {
      i += (i + 1 < part.size() && part[i + 1] == '_') ? 2 : 1;
    } else if (part[i] == '-') {
      while (i < part.size() && part[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

bool valid_domain_part(std::string_view part) {
  if (part.empty() || !is_alnum(part.front()) || !is_alnum(part.back())) return false;
  for (char c : part) {
    if (!is_alnum(c) && c != '-') return false;
  }
  return true;
}

bool valid_domain(std::string_view domain) {
  std::string_view host = domain;
  if (size_t colon = domain.find(':'); colon != std::string_view::npos) {
    host = domain.substr(0, colon);
    std::string_view port = domain.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
    }
  }
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    if (!valid_domain_part(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength || !is_word(tag[0])) return false;
  for (char c : tag) {
    if (!is_word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool is_hex64(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool has_upper(std::string_view text) {
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

}  // namespace

bool is_valid_digest(std::string_view digest) {
  return digest.substr(0, 7) == "sha256:" && is_hex64(digest.substr(7));
}

Result<void> check_digest(std::string_view digest) {
  if (is_valid_digest(digest)) return ok();
  return user_error("invalid digest \"{}\": want sha256: and 64 lower-case hex digits", digest);
}

std::string digest_hex(std::string_view digest) {
  return is_valid_digest(digest) ? std::string(digest.substr(7)) : std::string();
}

std::string Reference::name() const { return registry + "/" + repo; }

std::string Reference::normalized() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::familiar() const {
  std::string out;
  std::string_view first = std::string_view(repo).substr(0, repo.find('/'));
  // docker.io/a.b/c shortened to a.b/c would read back as registry a.b:
  // such names keep their registry (docker's familiar form drops it).
  bool looks_like_host = repo.find('/') != std::string::npos &&
                         (first.find('.') != std::string_view::npos || first == "localhost");
  if (registry != kDefaultRegistry || looks_like_host) {
    out = name();
  } else if (repo.rfind("library/", 0) == 0 && repo.find('/', 8) == std::string::npos &&
             !is_hex64(std::string_view(repo).substr(8))) {  // a bare 64-hex reads as an id
    out = repo.substr(8);
  } else {
    out = repo;
  }
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<Reference> parse_reference(std::string_view text) {
  if (text.empty()) return user_error("invalid reference format: empty image name");
  Reference ref;
  std::string_view rest = text;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    if (!is_valid_digest(ref.digest)) {
      return user_error(
          "invalid reference \"{}\": digest \"{}\" is not sha256: and 64 lower-case hex", text,
          ref.digest);
    }
    rest = rest.substr(0, at);
  }
  // A tag follows the last colon after the last slash: the colon of a
  // registry port (`localhost:5000/app`) comes before a slash.
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!valid_tag(ref.tag)) {
      return user_error(
          "invalid reference \"{}\": bad tag \"{}\" (want [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})",
          text, ref.tag);
    }
  }
  if (rest.empty()) return user_error("invalid reference \"{}\": empty name", text);
  if (is_hex64(rest)) {
    return user_error("invalid reference \"{}\": a 64-hex name is an image id, not a repository",
                      text);
  }
  // The first part is a registry when it could not be a repository path:
  // it has a dot or a port, is localhost, or has upper case (docker's
  // splitDockerDomain); otherwise docker.io is implied.
  slash = rest.find('/');
  std::string_view first = rest.substr(0, slash);
  std::string_view path = rest;
  if (slash != std::string_view::npos && (first.find_first_of(".:") != std::string_view::npos ||
                                          first == "localhost" || has_upper(first))) {
    if (!valid_domain(first)) {
      return user_error("invalid reference \"{}\": bad registry \"{}\"", text, first);
    }
    ref.registry = std::string(first);
    path = rest.substr(slash + 1);
  } else {
    ref.registry = std::string(kDefaultRegistry);
  }
  if (ref.registry == "index.docker.io") ref.registry = std::string(kDefaultRegistry);
  if (has_upper(path)) {
    return user_error("invalid reference \"{}\": repository name must be lowercase", text);
  }
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    std::string_view part = path.substr(start, end - start);
    if (!valid_path_component(part)) {
      return user_error("invalid reference \"{}\": bad repository part \"{}\"", text, part);
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  ref.repo = std::string(path);
  if (ref.registry == kDefaultRegistry && ref.repo.find('/') == std::string::npos) {
    ref.repo = "library/" + ref.repo;
  }
  if (ref.name().size() > kMaxNameLength) {
    return user_error("invalid reference \"{}\": name longer than {} characters", text,
                      kMaxNameLength);
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace pocker
