// The names a registry accepts (repository names and tags, checked before
// any becomes a path), and the paging of a tag list.
#include <algorithm>

#include "pocker/registry_server.hpp"

namespace pocker {
namespace {

constexpr size_t kMaxRepositoryName = 255;  // distribution's limit on the whole name
constexpr size_t kMaxTag = 128;

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*. So `.`, `..`,
// an empty part and a leading separator never pass: a name can never
// climb out of repositories/, and never meet the `_blobs`, `_manifests`
// and `_tags` folders kept beside the components.
bool valid_component(std::string_view c) {
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < c.size() && lower_alnum(c[i])) ++i;
    if (i == start) return false;
    if (i == c.size()) return true;
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < c.size() && c[i] == '_') ++i;
    } else if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

bool tag_char(char c) {
  return lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
}

}  // namespace

bool is_valid_repository_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxRepositoryName) return false;
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    if (!valid_component(name.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTag || tag[0] == '.' || tag[0] == '-') return false;
  return std::all_of(tag.begin(), tag.end(), tag_char);
}

TagPage page_tags(const std::vector<std::string>& sorted, long long n, std::string_view last) {
  TagPage page;
  // handout(registry.tags) begin: the page after `last`, at most n tags, and whether more remain
  // The tags are sorted, so the page starts at the first tag after `last`
  // (`last` itself may have been deleted since the client saw it).
  auto from = last.empty() ? sorted.begin()
                           : std::upper_bound(sorted.begin(), sorted.end(), last,
                                              [](std::string_view l, const std::string& t) { return l < t; });
  auto left = static_cast<long long>(sorted.end() - from);
  auto count = n < 0 ? left : std::min(n, left);
  page.tags.assign(from, from + count);
  page.more = count < left;
  // handout(registry.tags) stub:
  // (void)sorted;
  // (void)n;
  // (void)last;
  // handout(registry.tags) end
  return page;
}

}  // namespace pocker
