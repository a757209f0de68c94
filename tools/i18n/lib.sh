# Shared by stamp.sh and check.sh (sourced, not run). POSIX sh, awk and sha256sum only.
#
# A page's sections: the page split before every "# ", "## " or "### " heading outside a fenced
# code block (a "# comment" inside ``` is code, not a heading). The text before the first heading
# is the section "(top)". Each section is hashed with its heading line, so any edit to it, the
# heading included, changes its hash.

# i18n_sections PAGE: one line per section, "HASH<TAB>HEADING", in page order. HASH is the first
# 16 hex digits of the section's sha256 (enough to notice an edit, short enough to read).
i18n_sections() {
  _dir=$(mktemp -d)
  awk -v dir="$_dir" '
    function start(title) { if (file != "") close(file); n++; file = sprintf("%s/%04d", dir, n); print title > (dir "/titles") }
    BEGIN { n = 0; start("(top)") }
    /^[ \t]*(```|~~~)/ { fenced = !fenced }
    !fenced && /^##?#? / {
      title = $0
      sub(/^#+ +/, "", title); sub(/[ \t]*\{#[^}]*\}[ \t]*$/, "", title); sub(/[ \t]+$/, "", title)
      start(title)
    }
    { print > file }
  ' "$1"
  _i=0
  while IFS= read -r _title; do
    _i=$((_i + 1))
    _file=$(printf '%s/%04d' "$_dir" "$_i")
    [ -f "$_file" ] || continue  # a page that opens with its heading has no "(top)"
    _hash=$(sha256sum "$_file" | cut -c1-16)
    printf '%s\t%s\n' "$_hash" "$_title"
  done < "$_dir/titles"
  rm -rf "$_dir"
}

# i18n_source TRANSLATION: the English page named by its first line
# "<!-- i18n: source=NAME -->" (NAME relative to the translation's folder), or nothing.
i18n_source() {
  sed -n '1{s/^<!-- i18n: source=\([^ ]*\) -->[ \t]*$/\1/p;q}' "$1"
}

# i18n_recorded TRANSLATION: the "HASH<TAB>HEADING" lines of its stamp block.
i18n_recorded() {
  awk '
    /^<!-- i18n-stamp:/ { inside = 1; next }
    inside && /^-->/ { inside = 0; next }
    inside { hash = $1; sub(/^[^ ]+ /, ""); print hash "\t" $0 }
  ' "$1"
}

# i18n_code PAGE: the page's code, in order: every fenced block and every indented block (lines
# indented by 4 spaces or a tab after a blank line), each line prefixed with its block number,
# so two pages with the same code print the same text.
i18n_code() {
  awk '
    /^[ \t]*(```|~~~)/ { if (!fenced) { block++ } ; fenced = !fenced; print block ": " $0; prev_blank = 0; next }
    fenced { print block ": " $0; next }
    /^(    |\t)/ && (indented || prev_blank) {
      if (!indented) { block++; indented = 1 }
      print block ": " $0; next
    }
    { indented = 0; prev_blank = ($0 ~ /^[ \t]*$/) }
  ' "$1"
}
