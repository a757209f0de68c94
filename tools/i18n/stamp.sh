#!/bin/sh
# Records, at the end of a translation, which text of the English page it translates: one line
# per section of the English page (its hash and heading) in a block
#   <!-- i18n-stamp: ... -->
# Run it after bringing the translation up to date with its English page; tools/i18n/check.sh
# then names every English section edited since. The translation's first line says which page
# it translates: <!-- i18n: source=README.md --> (a path relative to the translation's folder).
#
#   tools/i18n/stamp.sh lessons/lv0-syscalls/README.zh-CN.md [MORE.zh-CN.md ...]
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || { echo "usage: tools/i18n/stamp.sh PAGE.zh-CN.md ..." >&2; exit 2; }
status=0
for page in "$@"; do
  if [ ! -f "$page" ]; then
    echo "stamp: $page: no such file" >&2; status=1; continue
  fi
  source=$(i18n_source "$page")
  if [ -z "$source" ]; then
    echo "stamp: $page: the first line must be <!-- i18n: source=PAGE.md -->" >&2; status=1; continue
  fi
  english="$(dirname "$page")/$source"
  if [ ! -f "$english" ]; then
    echo "stamp: $page: its source $english is missing" >&2; status=1; continue
  fi
  sections=$(i18n_sections "$english")
  # The page without its old block and the blank lines before it, then the new block.
  body=$(awk '
    /^<!-- i18n-stamp:/ { skip = 1; next }
    skip { if (/^-->/) skip = 0; next }
    { print }
  ' "$page")
  {
    printf '%s\n\n' "$body"
    printf '<!-- i18n-stamp: the sections of %s this page translates (tools/i18n/stamp.sh)\n' "$source"
    printf '%s\n' "$sections" | tr '\t' ' '
    printf -- '-->\n'
  } > "$page.stamp.tmp"
  mv "$page.stamp.tmp" "$page"
  echo "stamp: $page: $(printf '%s\n' "$sections" | wc -l) sections of $english"
done
exit $status
