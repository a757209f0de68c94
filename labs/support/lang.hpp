// The student's language for what the labs and the grader tell them: a failing lab's `lesson:`
// hint and the grader's summary. English unless the student asks for Chinese. pocker's own
// messages are never translated (the CLI contract fixes them); only these teaching texts are.
//
//   POCKER_LANG=zh-CN make grade          or a Chinese locale: LANG=zh_CN.UTF-8
#pragma once

#include <cstdlib>
#include <string_view>

namespace lab {

enum class Lang { En, Zh };

// POCKER_LANG decides when set: zh, zh-CN, zh_CN... give Chinese, anything else (en) English.
// Without it, the locale as setlocale(3) reads it: LC_ALL, then LC_MESSAGES, then LANG.
inline Lang language_from(const char* pocker_lang, const char* lc_all, const char* lc_messages,
                          const char* lang) {
  const auto chinese = [](std::string_view value) { return value.starts_with("zh"); };
  for (const char* value : {pocker_lang, lc_all, lc_messages, lang}) {
    if (value != nullptr && *value != '\0') return chinese(value) ? Lang::Zh : Lang::En;
  }
  return Lang::En;
}

// Read from the environment on every call (cheap, and a test may change it).
inline Lang language() {
  return language_from(std::getenv("POCKER_LANG"), std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"),
                       std::getenv("LANG"));
}

// A lesson hint in both languages, side by side in each level's hints.hpp. It reads as text in the
// student's language wherever a const char* or a string_view is expected, so the labs pass it
// around as before. A hint with no Chinese text yet falls back to English.
struct Hint {
  const char* en;
  const char* zh = nullptr;

  const char* text(Lang lang) const { return lang == Lang::Zh && zh != nullptr ? zh : en; }
  operator const char*() const { return text(language()); }
  operator std::string_view() const { return text(language()); }
};

}  // namespace lab
