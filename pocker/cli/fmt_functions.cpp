// The few {fmt} functions that are not templates, compiled into the pocker
// executable so that it needs no libfmt.so at run time.
//
// Why: every pocker command is a short process, and its start is part of
// what `pocker run` costs. With libfmt.so gone, libstdc++ and libgcc can be
// linked statically (pocker/CMakeLists.txt), so the dynamic loader maps and
// binds only libc and libm: `pocker --version` drops from about 2 ms to 1.5
// (`/bin/true`: 0.9). The rest of pocker is compiled against the ordinary
// fmt headers; only this file sees fmt in header-only mode, where these
// functions are inline, and taking their addresses below makes the
// compiler emit them (as weak symbols the other objects then link to).
//
// A newer fmt may need other functions: the link of `pocker` then fails
// with "undefined reference to fmt::...", and the function goes here.
#define FMT_HEADER_ONLY
#include <fmt/format.h>

#include <cstdint>
#include <string>

namespace pocker {

struct FmtFunctions {
  std::string (*vformat)(fmt::string_view, fmt::format_args);
  void (*throw_format_error)(const char*);
  fmt::detail::thousands_sep_result<char> (*thousands_sep)(fmt::detail::locale_ref);
  bool (*is_printable)(uint32_t);
};

// External linkage, so that neither the compiler nor the linker drops it.
extern const FmtFunctions kFmtFunctions;
const FmtFunctions kFmtFunctions = {&fmt::vformat, &fmt::detail::throw_format_error,
                                    &fmt::detail::thousands_sep_impl<char>,
                                    &fmt::detail::is_printable};

}  // namespace pocker
