# Turns the default seccomp profile (IN, JSON) into a C++ file (OUT) that
# defines default_seccomp_profile_json(), so the JSON file stays the one
# place the profile is written. Run by pocker/CMakeLists.txt at build time:
#   cmake -DIN=default-seccomp.json -DOUT=default_seccomp_json.cpp -P seccomp_embed.cmake
# The bytes are written as numbers, not as a string literal, so no
# character in the profile can end the literal early.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# 16 bytes a line, to keep the generated file readable in an editor
# (CMake's regular expressions have no {16}, so the pattern is repeated).
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line)
string(REGEX REPLACE "(${line})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by seccomp_embed.cmake: edit the JSON, not this.
#include \"pocker/seccomp.hpp\"

namespace pocker {

namespace {
const unsigned char kDefaultProfile[${size}] = {
    ${bytes}
};
}  // namespace

const std::string& default_seccomp_profile_json() {
  static const std::string text(reinterpret_cast<const char*>(kDefaultProfile), sizeof kDefaultProfile);
  return text;
}

}  // namespace pocker
")
# Renamed into place, so an interrupted build never leaves half a file.
file(RENAME "${OUT}.tmp" "${OUT}")
