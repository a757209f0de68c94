#!/bin/sh
# Keeps the Chinese (zh-CN) pages in step with the English ones. One line per problem, then exit 1:
#   - a page listed in tools/i18n/pages.txt without its translation (X.md -> X.zh-CN.md);
#   - a translation whose English page is gone, or that was never stamped;
#   - an English section edited, added or removed since its translation was stamped
#     (tools/i18n/stamp.sh records a hash per section);
#   - a translation whose code differs from the English page's (code, commands and output are
#     never translated, so every code block must be byte-identical).
# Every X.zh-CN.md in the tree is checked, listed in pages.txt or not.
#
#   tools/i18n/check.sh [--root DIR]      (default: the repository this script is in)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

root=$(cd "$here/../.." && pwd)
if [ "${1:-}" = "--root" ]; then root=$(cd "$2" && pwd); fi
cd "$root"
pages=tools/i18n/pages.txt
[ -f "$pages" ] || { echo "i18n: $root/$pages is missing" >&2; exit 2; }

problems=$(mktemp)
trap 'rm -f "$problems"' EXIT
problem() { echo "i18n: $*" >> "$problems"; }

translation_of() { printf '%s\n' "${1%.md}.zh-CN.md"; }

# Required pages: every one needs its translation.
sed -e 's/#.*//' -e 's/[ \t]*$//' -e '/^$/d' "$pages" | while IFS= read -r page; do
  if [ ! -f "$page" ]; then
    problem "$page: listed in $pages, but there is no such page"
  elif [ ! -f "$(translation_of "$page")" ]; then
    problem "$page: no translation ($(translation_of "$page") is missing; see tools/i18n/README.md)"
  fi
done

# Every translation in the tree (not in build folders or .git).
find . \( -name .git -o -path './build*' -o -name node_modules \) -prune -o -name '*.zh-CN.md' -print |
  sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r zh; do
  source=$(i18n_source "$zh")
  if [ -z "$source" ]; then
    problem "$zh: the first line must be <!-- i18n: source=PAGE.md -->"
    continue
  fi
  english=$(dirname "$zh")/$source
  english=${english#./}
  if [ ! -f "$english" ]; then
    problem "$zh: its source $english is gone (remove the translation, or fix its source= line)"
    continue
  fi
  recorded=$(i18n_recorded "$zh")
  if [ -z "$recorded" ]; then
    problem "$english: $zh was never stamped (run tools/i18n/stamp.sh $zh)"
    continue
  fi
  # Sections matched by heading and occurrence (a heading may repeat): R = recorded, C = current.
  { printf '%s\n' "$recorded" | sed 's/^/R\t/'; i18n_sections "$english" | sed 's/^/C\t/'; } |
    awk -F '\t' -v en="$english" -v zh="$zh" '
      { key = $3 SUBSEP (++seen[$1, $3]) }
      $1 == "R" { old[key] = $2; order[++n] = key; title[key] = $3; next }
      {
        if (!(key in old)) printf "i18n: %s: section \"%s\" is new, and %s lacks it\n", en, $3, zh
        else if (old[key] != $2) printf "i18n: %s: section \"%s\" changed, and %s was not updated\n", en, $3, zh
        now[key] = 1
      }
      END {
        for (i = 1; i <= n; i++)
          if (!(order[i] in now))
            printf "i18n: %s: section \"%s\" was removed, and %s still has it\n", en, title[order[i]], zh
      }' >> "$problems"
  # Code is never translated.
  en_code=$(mktemp); zh_code=$(mktemp)
  i18n_code "$english" > "$en_code"
  i18n_code "$zh" > "$zh_code"
  if ! cmp -s "$en_code" "$zh_code"; then
    first=$(diff "$en_code" "$zh_code" | sed -n 's/^[<>] \([0-9]*\): .*/\1/p' | head -n 1)
    problem "$zh: code block $first differs from $english's (code, commands and output stay as they are)"
  fi
  rm -f "$en_code" "$zh_code"
done

if [ -s "$problems" ]; then
  cat "$problems" >&2
  echo "i18n: $(wc -l < "$problems") problem(s); tools/i18n/README.md says how to fix each" >&2
  exit 1
fi
echo "i18n: every translation is in step with its English page"
