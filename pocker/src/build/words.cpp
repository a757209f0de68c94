// Word expansion as docker's builder does it (pocker/dockerfile.hpp):
// variables, quotes and the escape character, for the instructions that
// take variables (FROM, COPY, ADD, ENV, ARG, LABEL, WORKDIR, USER,
// EXPOSE, VOLUME, STOPSIGNAL). RUN is left to the shell.
#include <cctype>

#include "pocker/dockerfile.hpp"

namespace pocker {
namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Expander {
 public:
  Expander(std::string_view word, const VarLookup& vars, char escape)
      : w_(word), vars_(vars), escape_(escape) {}

  // Reads up to (not including) an unquoted `stop` character, or the end.
  Result<std::string> run(char stop = '\0') {
    std::string out;
    while (at_ < w_.size()) {
      char c = w_[at_];
      if (stop && c == stop) return out;
      if (c == escape_) {
        ++at_;
        if (at_ < w_.size()) out += w_[at_++];
        else out += escape_;
      } else if (c == '\'') {
        size_t end = w_.find('\'', at_ + 1);
        if (end == std::string_view::npos) return user_error("unterminated single quote in {}", w_);
        out += w_.substr(at_ + 1, end - at_ - 1);
        at_ = end + 1;
      } else if (c == '"') {
        ++at_;
        out += TRY(double_quoted());
      } else if (c == '$') {
        out += TRY(dollar());
      } else {
        out += c;
        ++at_;
      }
    }
    if (stop) return user_error("missing '{}' in {}", stop, w_);
    return out;
  }

 private:
  Result<std::string> double_quoted() {
    std::string out;
    while (at_ < w_.size()) {
      char c = w_[at_];
      if (c == '"') {
        ++at_;
        return out;
      }
      if (c == escape_ && at_ + 1 < w_.size() &&
          (w_[at_ + 1] == '"' || w_[at_ + 1] == '$' || w_[at_ + 1] == escape_)) {
        out += w_[at_ + 1];
        at_ += 2;
      } else if (c == '$') {
        out += TRY(dollar());
      } else {
        out += c;
        ++at_;
      }
    }
    return user_error("unterminated double quote in {}", w_);
  }

  Result<std::string> dollar() {
    ++at_;  // the '$'
    if (at_ >= w_.size()) return std::string("$");
    if (w_[at_] != '{') {
      size_t start = at_;
      while (at_ < w_.size() && name_char(w_[at_])) ++at_;
      if (start == at_) return std::string("$");
      return vars_(std::string(w_.substr(start, at_ - start))).value_or("");
    }
    ++at_;  // the '{'
    size_t start = at_;
    while (at_ < w_.size() && name_char(w_[at_])) ++at_;
    std::string name(w_.substr(start, at_ - start));
    if (name.empty()) return user_error("bad substitution in {}", w_);
    if (at_ >= w_.size()) return user_error("missing '}}' in {}", w_);
    auto value = vars_(name);
    if (w_[at_] == '}') {
      ++at_;
      return value.value_or("");
    }
    bool colon = w_[at_] == ':';
    if (colon) ++at_;
    if (at_ >= w_.size()) return user_error("bad substitution in {}", w_);
    char op = w_[at_++];
    if (op != '-' && op != '+' && op != '?') return user_error("unsupported modifier ({}) in {}", op, w_);
    std::string word = TRY(run('}'));
    ++at_;  // the '}'
    bool set = colon ? value && !value->empty() : value.has_value();
    if (op == '-') return set ? *value : word;
    if (op == '+') return set ? word : std::string();
    if (!set) return user_error("{}: {}", name, word.empty() ? "is not set" : word);
    return *value;
  }

  std::string_view w_;
  const VarLookup& vars_;
  char escape_;
  size_t at_ = 0;
};

}  // namespace

Result<std::string> expand_word(std::string_view word, const VarLookup& vars, char escape) {
  return Expander(word, vars, escape).run();
}

std::vector<std::string> split_words(std::string_view text, char escape) {
  std::vector<std::string> words;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      cur += c;
      if (c == escape && quote == '"' && i + 1 < text.size()) cur += text[++i];
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (have) words.push_back(cur);
      cur.clear();
      have = false;
      continue;
    }
    have = true;
    cur += c;
    if (c == escape && i + 1 < text.size()) cur += text[++i];
    else if (c == '"' || c == '\'') quote = c;
  }
  if (have) words.push_back(cur);
  return words;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_pairs(
    std::string_view text, const VarLookup& vars, char escape, bool allow_old) {
  std::vector<std::pair<std::string, std::string>> pairs;
  auto words = split_words(text, escape);
  if (words.empty()) return user_error("needs KEY=VALUE");
  if (allow_old && words[0].find('=') == std::string::npos) {
    // The old form: `ENV KEY the rest of the line`.
    if (words.size() < 2) return user_error("{} needs a value (KEY=VALUE or KEY VALUE)", words[0]);
    size_t key_end = text.find(words[0]) + words[0].size();
    std::string rest(text.substr(key_end));
    size_t b = rest.find_first_not_of(" \t");
    rest = b == std::string::npos ? "" : rest.substr(b);
    pairs.emplace_back(words[0], TRY(expand_word(rest, vars, escape)));
    return pairs;
  }
  for (const auto& word : words) {
    size_t eq = word.find('=');
    if (eq == std::string::npos || eq == 0) return user_error("{}: needs KEY=VALUE", word);
    std::string key = TRY(expand_word(word.substr(0, eq), vars, escape));
    pairs.emplace_back(key, TRY(expand_word(word.substr(eq + 1), vars, escape)));
  }
  return pairs;
}

}  // namespace pocker
