#!/bin/sh
# Renders the built documentation site in headless Chromium and keeps a
# screenshot of the start page and of one lesson page, to check by eye that
# they render (layout, navigation tree, tables, code blocks).
#
#   docs/screenshot.sh [HTML_DIR [OUT_DIR]]
#       (defaults: build/docs/html and build/docs/screenshots)
#
# Needs Debian's `chromium` package; as root it installs it when missing.
# Not part of `make docs` or CI: Chromium is large. Run `make docs` first
# (`make docs-screenshot` does both).
set -eu

html=${1:-build/docs/html}
out=${2:-build/docs/screenshots}
min_bytes=20000  # a blank or unstyled 1280x900 page is far smaller

# The pages: the start page, and the first lesson.
pages="index.html:start md_lessons_lv0_syscalls_README.html:lesson-lv0"

for entry in $pages; do
  if [ ! -f "$html/${entry%%:*}" ]; then
    echo "screenshot: $html/${entry%%:*} is missing; run make docs first" >&2
    exit 1
  fi
done

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "screenshot: installing chromium (Debian package, large)..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null
    browser=$(command -v chromium)
  else
    echo "screenshot: chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

mkdir -p "$out"
profile=$(mktemp -d /tmp/pocker-docs-chromium.XXXXXX)
trap 'rm -rf "$profile"' EXIT

abs_html=$(cd "$html" && pwd)
status=0
for entry in $pages; do
  page=${entry%%:*}
  name=${entry#*:}
  png="$out/$name.png"
  log="$out/$name.log"
  rm -f "$png"
  # --no-sandbox: Chromium refuses to run as root otherwise. A private
  # profile, so nothing is read from or written to ~/.config. The virtual
  # time budget lets the navigation tree (JavaScript) finish before the shot.
  if ! timeout 90 "$browser" --headless --no-sandbox --disable-gpu \
      --user-data-dir="$profile" --no-first-run --hide-scrollbars \
      --run-all-compositor-stages-before-draw --virtual-time-budget=5000 \
      --window-size=1280,900 --screenshot="$png" "file://$abs_html/$page" >"$log" 2>&1; then
    echo "screenshot: chromium failed on $page (see $log)" >&2
    status=1
    continue
  fi
  size=$(wc -c <"$png" 2>/dev/null || echo 0)
  if [ "$size" -lt "$min_bytes" ]; then
    echo "screenshot: $png is only $size bytes: the page looks blank (see $log)" >&2
    status=1
    continue
  fi
  rm -f "$log"
  echo "screenshot: $png ($size bytes) <- $page"
done
exit $status
