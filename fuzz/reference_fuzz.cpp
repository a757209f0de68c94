// Image references (pocker/include/pocker/reference.hpp): what `pocker run
// IMAGE`, `pull`, `tag` and a loaded archive's names hand to the store,
// before any part of them becomes a path. The whole input is the reference.
#include <string_view>

#include "fuzz.hpp"
#include "pocker/reference.hpp"

namespace {

// Only characters of docker's grammar, and no path tricks, may come out.
bool plain_name(std::string_view text) {
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '/' || c == ':' || c == '@';
    if (!ok) return false;
  }
  return text.find("..") == std::string_view::npos && text.find("//") == std::string_view::npos &&
         !text.empty() && text.front() != '/' && text.back() != '/';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = pocker::fuzz::as_text(data, size);

  // The digest check: valid exactly when digest_hex gives 64 characters.
  std::string hex = pocker::digest_hex(text);
  FUZZ_CHECK(pocker::is_valid_digest(text) == !hex.empty());
  FUZZ_CHECK(hex.empty() || hex.size() == 64);
  FUZZ_CHECK(pocker::check_digest(text).ok() == pocker::is_valid_digest(text));

  auto ref = pocker::parse_reference(text);
  if (!ref) return 0;
  const pocker::Reference& r = ref.value();
  FUZZ_CHECK(!r.registry.empty() && !r.repo.empty());
  FUZZ_CHECK(!r.tag.empty() || !r.digest.empty());
  FUZZ_CHECK(r.digest.empty() || pocker::is_valid_digest(r.digest));
  FUZZ_CHECK(r.name().size() <= 255);
  FUZZ_CHECK(plain_name(r.name()));
  FUZZ_CHECK(r.repo.find(':') == std::string::npos && r.repo.find('@') == std::string::npos);
  // The normalised and familiar forms read back as the same reference.
  auto again = pocker::parse_reference(r.normalized());
  FUZZ_CHECK(again && again.value() == r);
  auto familiar = pocker::parse_reference(r.familiar());
  FUZZ_CHECK(familiar && familiar.value() == r);
  return 0;
}
