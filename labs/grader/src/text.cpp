#include "text.hpp"

#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

namespace grader {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;
constexpr char32_t kReplacement = 0xFFFD;

// Decodes one UTF-8 character at text[i] and moves i past it; an invalid sequence (overlong,
// surrogate, out of range, cut short) yields kInvalid and moves past one byte only.
char32_t decode(std::string_view text, size_t& i) {
  const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  size_t length = 0;
  char32_t cp = 0, min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    ++i;
    return kInvalid;
  }
  if (i + length > text.size()) {
    ++i;
    return kInvalid;
  }
  for (size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(i + k);
    if ((next & 0xC0) != 0x80) {
      ++i;
      return kInvalid;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kInvalid;
  }
  i += length;
  return cp;
}

void encode(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

void hex_escape(char32_t cp, std::string& out) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
  out += buf;
}

// XML 1.0's Char production.
bool xml_char(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

bool name_start(char32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' || cp == ':' || cp >= 0x80;
}
bool name_char(char32_t cp) { return name_start(cp) || (cp >= '0' && cp <= '9') || cp == '-' || cp == '.'; }

class XmlParser {
 public:
  explicit XmlParser(std::string_view doc) : doc_(doc) {}

  XmlCheck run() {
    XmlCheck result;
    if (!chars_ok()) return fail(result);
    std::vector<std::string> open;
    bool seen_root = false, root_closed = false;
    if (starts("<?xml") && !pi()) return fail(result);
    while (pos_ < doc_.size()) {
      if (doc_[pos_] != '<') {
        const size_t end = std::min(doc_.find('<', pos_), doc_.size());
        const std::string_view text = doc_.substr(pos_, end - pos_);
        if (open.empty()) {
          if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
            error_ = "text outside the root element";
            return fail(result);
          }
        } else {
          if (text.find("]]>") != std::string_view::npos) {
            pos_ += text.find("]]>");
            error_ = "\"]]>\" in text";
            return fail(result);
          }
          if (!references(text)) return fail(result);
        }
        pos_ = end;
        continue;
      }
      if (starts("<!--")) {
        const size_t end = doc_.find("-->", pos_ + 4);
        if (end == std::string_view::npos || doc_.substr(pos_ + 4, end - pos_ - 4).find("--") != std::string_view::npos) {
          error_ = "a comment that does not end, or holds \"--\"";
          return fail(result);
        }
        pos_ = end + 3;
      } else if (starts("<?")) {
        if (starts("<?xml") && (pos_ + 5 < doc_.size()) && !name_char(static_cast<unsigned char>(doc_[pos_ + 5]))) {
          error_ = "an XML declaration that is not at the very start";
          return fail(result);
        }
        if (!pi()) return fail(result);
      } else if (starts("<![CDATA[")) {
        if (open.empty()) {
          error_ = "CDATA outside the root element";
          return fail(result);
        }
        const size_t end = doc_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) {
          error_ = "CDATA that does not end";
          return fail(result);
        }
        pos_ = end + 3;
      } else if (starts("<!")) {
        error_ = "a DOCTYPE or other declaration (not expected here)";
        return fail(result);
      } else if (starts("</")) {
        pos_ += 2;
        std::string name;
        if (!read_name(name)) return fail(result);
        skip_space();
        if (!expect('>')) return fail(result);
        if (open.empty() || open.back() != name) {
          error_ = "</" + name + "> closes " + (open.empty() ? std::string("nothing") : "<" + open.back() + ">");
          return fail(result);
        }
        open.pop_back();
        if (open.empty()) root_closed = true;
      } else {
        ++pos_;
        if (root_closed) {
          error_ = "a second root element";
          return fail(result);
        }
        std::string name;
        if (!read_name(name)) return fail(result);
        std::set<std::string> attributes;
        bool self_closing = false;
        for (;;) {
          const bool spaced = skip_space();
          if (starts("/>")) {
            pos_ += 2, self_closing = true;
            break;
          }
          if (starts(">")) {
            ++pos_;
            break;
          }
          if (!spaced) {
            error_ = "expected whitespace, \">\" or \"/>\" in <" + name + ">";
            return fail(result);
          }
          std::string attribute;
          if (!read_name(attribute)) return fail(result);
          if (!attributes.insert(attribute).second) {
            error_ = "attribute " + attribute + " given twice";
            return fail(result);
          }
          skip_space();
          if (!expect('=')) return fail(result);
          skip_space();
          if (pos_ >= doc_.size() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) {
            error_ = "an attribute value without quotes";
            return fail(result);
          }
          const char quote = doc_[pos_++];
          const size_t end = doc_.find(quote, pos_);
          if (end == std::string_view::npos) {
            error_ = "an attribute value that does not end";
            return fail(result);
          }
          const std::string_view value = doc_.substr(pos_, end - pos_);
          if (value.find('<') != std::string_view::npos) {
            pos_ += value.find('<');
            error_ = "\"<\" in an attribute value";
            return fail(result);
          }
          if (!references(value)) return fail(result);
          pos_ = end + 1;
        }
        if (!seen_root) result.root = name;
        seen_root = true;
        ++result.elements[name];
        if (self_closing) {
          if (open.empty()) root_closed = true;
        } else {
          open.push_back(name);
        }
      }
    }
    if (!seen_root) {
      error_ = "no root element";
      return fail(result);
    }
    if (!open.empty()) {
      error_ = "<" + open.back() + "> is never closed";
      return fail(result);
    }
    result.ok = true;
    return result;
  }

 private:
  XmlCheck fail(XmlCheck& result) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < std::min(pos_, doc_.size()); ++i) {
      if (doc_[i] == '\n') {
        ++line, column = 1;
      } else if ((static_cast<unsigned char>(doc_[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    result.ok = false;
    result.error = "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + error_;
    return result;
  }

  bool chars_ok() {
    for (size_t i = 0; i < doc_.size();) {
      const size_t at = i;
      const char32_t cp = decode(doc_, i);
      if (cp == kInvalid) {
        pos_ = at;
        error_ = "a byte that is not valid UTF-8";
        return false;
      }
      if (!xml_char(cp)) {
        pos_ = at;
        char buf[64];
        std::snprintf(buf, sizeof buf, "character U+%04X is not allowed in XML 1.0", static_cast<unsigned>(cp));
        error_ = buf;
        return false;
      }
    }
    return true;
  }

  bool starts(std::string_view what) const { return doc_.substr(pos_).starts_with(what); }

  bool skip_space() {
    const size_t start = pos_;
    while (pos_ < doc_.size() && (doc_[pos_] == ' ' || doc_[pos_] == '\t' || doc_[pos_] == '\r' || doc_[pos_] == '\n'))
      ++pos_;
    return pos_ > start;
  }

  bool expect(char c) {
    if (pos_ < doc_.size() && doc_[pos_] == c) {
      ++pos_;
      return true;
    }
    error_ = std::string("expected \"") + c + "\"";
    return false;
  }

  bool read_name(std::string& name) {
    const size_t start = pos_;
    size_t i = pos_;
    bool first = true;
    while (i < doc_.size()) {
      size_t next = i;
      const char32_t cp = decode(doc_, next);
      if (!(first ? name_start(cp) : name_char(cp))) break;
      first = false;
      i = next;
    }
    if (i == start) {
      error_ = "expected a name";
      return false;
    }
    name.assign(doc_.substr(start, i - start));
    pos_ = i;
    return true;
  }

  // A processing instruction (or the XML declaration) at pos_.
  bool pi() {
    const size_t end = doc_.find("?>", pos_ + 2);
    if (end == std::string_view::npos) {
      error_ = "a processing instruction that does not end";
      return false;
    }
    pos_ += 2;
    std::string target;
    if (!read_name(target)) return false;
    pos_ = end + 2;
    return true;
  }

  // Every '&' in text starts a valid reference.
  bool references(std::string_view text) {
    const size_t base = pos_;
    for (size_t amp = text.find('&'); amp != std::string_view::npos; amp = text.find('&', amp + 1)) {
      const size_t semi = text.find(';', amp);
      const std::string_view ref = semi == std::string_view::npos ? text.substr(amp + 1) : text.substr(amp + 1, semi - amp - 1);
      bool ok = false;
      if (semi != std::string_view::npos) {
        if (ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos") {
          ok = true;
        } else if (ref.size() >= 2 && ref[0] == '#') {
          const bool hex = ref[1] == 'x';
          const std::string_view digits = ref.substr(hex ? 2 : 1);
          unsigned long value = 0;
          ok = !digits.empty() && digits.size() <= 8;
          for (char c : digits) {
            int d = -1;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
            if (d < 0) ok = false;
            else value = value * (hex ? 16 : 10) + static_cast<unsigned long>(d);
          }
          ok = ok && xml_char(static_cast<char32_t>(value));
        }
      }
      if (!ok) {
        pos_ = base + amp;
        error_ = "\"&\" that does not start a valid reference";
        return false;
      }
    }
    return true;
  }

  std::string_view doc_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::string clean_text(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') {
      ++i;
      continue;
    }
    const char32_t cp = decode(raw, i);
    if (cp == kInvalid || cp == 0xFFFE || cp == 0xFFFF) {
      encode(kReplacement, out);
    } else if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F) {
      hex_escape(cp, out);
    } else {
      encode(cp, out);
    }
  }
  return out;
}

std::string cut(std::string_view text, size_t max, bool keep_tail) {
  if (text.size() <= max) return std::string(text);
  size_t at = keep_tail ? text.size() - max : max;
  // Move to a character boundary: never start or end inside a UTF-8 sequence.
  while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) keep_tail ? ++at : --at;
  const std::string note = "... (" + std::to_string(keep_tail ? at : text.size() - at) + " bytes left out)";
  if (keep_tail) return note + "\n" + std::string(text.substr(at));
  return std::string(text.substr(0, at)) + "\n" + note;
}

std::string xml_escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (size_t i = 0; i < text.size();) {
    const char32_t cp = decode(text, i);
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default:
        if (cp == kInvalid || cp == 0xFFFE || cp == 0xFFFF) {
          encode(kReplacement, out);
        } else if (cp < 0x20) {
          hex_escape(cp, out);
        } else {
          encode(cp, out);
        }
    }
  }
  return out;
}

XmlCheck check_xml(std::string_view doc) { return XmlParser(doc).run(); }

std::string format_points(double points) {
  if (std::abs(points - std::round(points)) < 1e-9) return std::to_string(static_cast<long long>(std::llround(points)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", points);
  std::string text = buf;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const size_t last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xe ? 3 : lead >> 3 == 0x1e ? 4 : 1;
    char32_t code = length == 1 ? lead : lead & (0x7f >> length);
    for (size_t k = 1; k < length && i + k < text.size(); ++k)
      code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    // The East Asian wide and full-width blocks (Unicode UAX #11) that Chinese text uses.
    const bool wide = (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) ||
                      (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
                      (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
                      (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x20000 && code <= 0x3fffd);
    width += wide ? 2 : 1;
    i += length;
  }
  return width;
}

}  // namespace grader
