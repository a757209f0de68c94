/// @file
/// @brief The Dockerfile, parsed and checked before anything runs.
///
/// Parsing is separate from building: parse_dockerfile() turns the text
/// into instructions with their line numbers, plan_stages() checks each
/// one and cuts the list into stages. A mistake anywhere is reported as
/// `FILE:LINE: ...` before the first step runs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pocker/error.hpp"

namespace pocker {

/// One instruction, continuation lines joined.
struct Instruction {
  int line = 0;              ///< where it starts, counting from 1
  std::string keyword;       ///< upper case: `RUN`, `COPY`, ...
  std::string original;      ///< as written (continuations joined): cache keys and history
  std::vector<std::pair<std::string, std::string>> flags;  ///< `--from=build`: {"from","build"}
  std::string args;          ///< the rest after the flags, trimmed
  bool exec_form = false;    ///< args was a JSON array of strings
  std::vector<std::string> json;  ///< with exec_form: its strings

  /// The value of flag `name`, if given.
  std::optional<std::string> flag(std::string_view name) const;
};

/// A parsed Dockerfile.
struct Dockerfile {
  std::string file;   ///< the name shown in messages
  char escape = '\\'; ///< the `# escape=` directive: `\` or a backtick
  std::vector<Instruction> instructions;  ///< in order
};

/// Parses `text`: parser directives (`# escape=`, `# syntax=` ignored),
/// comments, line continuations with the escape character, the keyword
/// and its `--flags`, and the JSON (exec) form. Unknown keywords are
/// refused here with `FILE:LINE`.
Result<Dockerfile> parse_dockerfile(std::string_view text, const std::string& file);

/// One stage: `FROM base [AS name]` and what follows it.
struct Stage {
  int index = 0;                  ///< 0 for the first FROM
  std::string name;               ///< the `AS` name, lower case; empty if none
  Instruction from;               ///< its FROM
  std::vector<Instruction> steps; ///< after the FROM, in order
};

/// The stages of a Dockerfile, and the ARGs before its first FROM.
struct BuildPlan {
  std::string file;                     ///< for messages
  char escape = '\\';                   ///< for word expansion
  std::vector<Instruction> global_args; ///< ARGs before the first FROM
  std::vector<Stage> stages;            ///< in order
};

/// Checks every instruction's shape (arguments, flags, forms) and cuts
/// the file into stages. Errors name `FILE:LINE`.
Result<BuildPlan> plan_stages(const Dockerfile& dockerfile);

/// Index of stage `name` (an `AS` name, case-insensitive, or a number)
/// among the stages before `before`; none when it names no such stage.
std::optional<int> find_stage(const BuildPlan& plan, std::string_view name, int before);

/// The stages that building stage `target` needs (FROM another stage,
/// `COPY --from=STAGE`), in order, `target` last. `expand` gives the
/// value of a `--from` or FROM word with the global ARGs applied.
Result<std::vector<int>> needed_stages(
    const BuildPlan& plan, int target,
    const std::function<Result<std::string>(std::string_view)>& expand);

/// Looks up a variable for word expansion; none when it is not set.
using VarLookup = std::function<std::optional<std::string>(const std::string&)>;

/// One word as docker expands it: `$VAR`, `${VAR}`, `${VAR:-default}`,
/// `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?message}`;
/// single quotes keep everything, double quotes allow `$`, the escape
/// character takes the next one literally; quotes are removed.
Result<std::string> expand_word(std::string_view word, const VarLookup& vars, char escape);

/// Splits `text` at blanks outside quotes (and not escaped), keeping the
/// quotes in the words for expand_word().
std::vector<std::string> split_words(std::string_view text, char escape);

/// `KEY=VALUE ...` (or the old `KEY VALUE` form when `allow_old` and the
/// first word has no `=`), expanded: the pairs of ENV, LABEL and ARG.
Result<std::vector<std::pair<std::string, std::string>>> parse_pairs(
    std::string_view text, const VarLookup& vars, char escape, bool allow_old);

}  // namespace pocker
