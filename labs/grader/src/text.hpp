// Text the grader passes on: cleaning raw bytes into valid UTF-8, escaping for XML, and a small
// XML well-formedness check (so the JUnit file can be verified without xmllint).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace grader {

// Valid UTF-8 with every invalid byte as U+FFFD, "\r\n" as "\n", and every other control
// character but newline and tab as a visible \xNN escape: safe in JSON, XML and a terminal.
std::string clean_text(std::string_view raw);

// At most `max` bytes of text (cut on a UTF-8 boundary) with a note of what was left out: the
// head, or with keep_tail the tail (the end of a crash log says the most).
std::string cut(std::string_view text, size_t max, bool keep_tail = false);

// Escaped for XML 1.0 element text, or an attribute value (which also escapes newline and tab).
// Characters XML 1.0 cannot hold at all become \xNN text; invalid UTF-8 becomes U+FFFD.
std::string xml_escape(std::string_view text, bool attribute = false);

struct XmlCheck {
  bool ok = false;
  std::string error;                // "line L, column C: what is wrong" when not ok
  std::string root;                 // the root element's name
  std::map<std::string, int> elements;  // how many elements of each name
};

// Checks that doc is well-formed XML 1.0 (no DTD): valid UTF-8 of allowed characters, one root,
// tags nested and matched, attributes quoted and unique, entity and character references valid.
XmlCheck check_xml(std::string_view doc);

// "1", "2.5", "0.25": points without trailing zeros.
std::string format_points(double points);

// Every occurrence of from replaced by to.
std::string replace_all(std::string text, std::string_view from, std::string_view to);

std::string trim(std::string_view text);

// How many terminal columns UTF-8 text takes: 2 for a wide (CJK, full-width) character, 1 for any
// other, so a table with Chinese headings stays aligned.
size_t display_width(std::string_view text);

}  // namespace grader
