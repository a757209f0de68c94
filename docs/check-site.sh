#!/bin/sh
# Checks the built documentation site: every relative link (href or src) in
# every page must point at a file that exists. Doxygen itself does not look
# at plain Markdown links such as a lesson's [02-clone.cpp](02-clone.cpp), so
# a lesson that links to a file the site lacks (see HTML_EXTRA_FILES in
# docs/Doxyfile) is caught here. Fast (a second or so) and read-only.
#
#   docs/check-site.sh [HTML_DIR]        (default: build/docs/html)
set -eu

html=${1:-build/docs/html}
if [ ! -f "$html/index.html" ]; then
  echo "check-site: $html/index.html is missing; run make docs first" >&2
  exit 1
fi

# "page:link" for every href="..." and src="..." value, then each distinct
# target once: is it there?
broken=$(
  grep -roE --include='*.html' '(href|src)="[^"]*"' "$html" |
    sed -E 's/:(href|src)="/\t/; s/"$//' |
    awk -F '\t' '
      $2 == "" || $2 ~ /^#/ || $2 ~ /:\/\// || $2 ~ /^(mailto|javascript|data):/ { next }
      {
        target = $2; sub(/[#?].*$/, "", target)
        if (target == "") next
        dir = $1; sub(/\/[^\/]*$/, "", dir)
        print dir "/" target "\t" $1 ": " $2
      }' |
    LC_ALL=C sort -u -t "$(printf '\t')" -k1,1 |
    while IFS="$(printf '\t')" read -r path where; do
      [ -e "$path" ] || echo "$where"
    done
)

if [ -n "$broken" ]; then
  echo "check-site: links to files the site does not have:" >&2
  echo "$broken" | sed 's/^/  /' >&2
  echo "check-site: a lesson's example source? add it to HTML_EXTRA_FILES in docs/Doxyfile" >&2
  exit 1
fi
echo "check-site: every relative link in $html resolves"

# Both languages: a Chinese page (X_zh_CN.html from X.zh-CN.md, or X_zh.html from a page
# labelled {#X_zh}) and its English page X.html link to each other (tools/i18n/README.md).
switches=$(
  for zh in "$html"/*_zh_CN.html "$html"/*_zh.html; do
    [ -f "$zh" ] || continue
    case $zh in *_zh_CN.html) en=${zh%_zh_CN.html}.html ;; *) en=${zh%_zh.html}.html ;; esac
    if [ ! -f "$en" ]; then echo "$(basename "$zh"): no English page $(basename "$en")"; continue; fi
    grep -qE "href=\"$(basename "$en")[\"#]" "$zh" || echo "$(basename "$zh"): no link to $(basename "$en")"
    grep -qE "href=\"$(basename "$zh")[\"#]" "$en" || echo "$(basename "$en"): no link to $(basename "$zh")"
  done
)
if [ -n "$switches" ]; then
  echo "check-site: a page without its language switch:" >&2
  echo "$switches" | sed 's/^/  /' >&2
  exit 1
fi
echo "check-site: every Chinese page and its English page link to each other"
