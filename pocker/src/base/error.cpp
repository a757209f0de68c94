#include "pocker/error.hpp"

#include <cstring>

namespace pocker {

std::string Error::message() const {
  if (err_ == 0) return what_;
  // strerror text is capitalised ("No such file"); the house style is lower case.
  std::string text = std::strerror(err_);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return fmt::format("{}: {}", what_, text);
}

Error Error::wrap(const std::string& context) && {
  what_ = fmt::format("{}: {}", context, what_);
  return std::move(*this);
}

}  // namespace pocker
