#!/bin/sh
# Tests of tools/i18n/check.sh and stamp.sh on a small tree of their own (a temporary folder):
# each case must fail or pass as it says, or this test fails.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
failures=0

# expect pass|fail [TEXT]: runs the check; on fail, TEXT must be in what it says.
expect() {
  if out=$("$here/check.sh" --root "$tree" 2>&1); then got=pass; else got=fail; fi
  if [ "$got" != "$1" ] || { [ -n "${2:-}" ] && ! printf '%s\n' "$out" | grep -qF -- "$2"; }; then
    echo "FAIL: $case: expected $1${2:+ naming \"$2\"}, got $got:" >&2
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    failures=$((failures + 1))
  else
    echo "ok: $case"
  fi
}

mkdir -p "$tree/tools/i18n" "$tree/lesson"
echo "lesson/README.md" > "$tree/tools/i18n/pages.txt"
cat > "$tree/lesson/README.md" <<'PAGE'
# A lesson {#a_lesson}

Some words.

## Step 1: fork

    echo hello   # one command

```sh
# a comment, not a heading
true
```

## Step 2: exec

More words.
PAGE

case="a listed page without its translation fails"
expect fail "lesson/README.md: no translation"

cat > "$tree/lesson/README.zh-CN.md" <<'PAGE'
<!-- i18n: source=README.md -->
# 一课 {#a_lesson_zh}

一些话。

## 第 1 步：fork

    echo hello   # one command

```sh
# a comment, not a heading
true
```

## 第 2 步：exec

更多的话。
PAGE
case="a translation never stamped fails"
expect fail "was never stamped"

"$here/stamp.sh" "$tree/lesson/README.zh-CN.md" > /dev/null
case="a stamped translation passes"
expect pass
case="stamping again changes nothing"
cp "$tree/lesson/README.zh-CN.md" "$tree/before"
"$here/stamp.sh" "$tree/lesson/README.zh-CN.md" > /dev/null
if cmp -s "$tree/before" "$tree/lesson/README.zh-CN.md"; then echo "ok: $case"; else
  echo "FAIL: $case" >&2; failures=$((failures + 1)); fi
rm "$tree/before"

sed -i 's/More words./More words, edited./' "$tree/lesson/README.md"
case="an English edit without its translation fails, naming the section"
expect fail 'lesson/README.md: section "Step 2: exec" changed'
case="only the edited section is named"
out=$("$here/check.sh" --root "$tree" 2>&1 || true)
if printf '%s\n' "$out" | grep -q 'Step 1'; then echo "FAIL: $case" >&2; failures=$((failures + 1)); else echo "ok: $case"; fi

sed -i 's/更多的话。/更多的话（已改）。/' "$tree/lesson/README.zh-CN.md"
"$here/stamp.sh" "$tree/lesson/README.zh-CN.md" > /dev/null
case="both updated, then stamped, passes"
expect pass

printf '\n## Step 3: wait\n\nNew.\n' >> "$tree/lesson/README.md"
case="a new English section fails"
expect fail 'section "Step 3: wait" is new'
"$here/stamp.sh" "$tree/lesson/README.zh-CN.md" > /dev/null

sed -i 's/echo hello   # one command/echo 你好   # one command/' "$tree/lesson/README.zh-CN.md"
case="a translated code block fails"
expect fail "code block 1 differs"
sed -i 's/echo 你好   # one command/echo hello   # one command/' "$tree/lesson/README.zh-CN.md"
case="the code put back passes"
expect pass

printf '<!-- i18n: source=README.md -->\n# 孤儿\n' > "$tree/gone.zh-CN.md"
case="a translation whose source is gone fails"
expect fail "gone.zh-CN.md: its source README.md is gone"
rm "$tree/gone.zh-CN.md"

printf '# 没有来源\n' > "$tree/lesson/other.zh-CN.md"
case="a translation without its source line fails"
expect fail "other.zh-CN.md: the first line must be"
rm "$tree/lesson/other.zh-CN.md"

case="a page listed but absent fails"
echo "lesson/missing.md" >> "$tree/tools/i18n/pages.txt"
expect fail "lesson/missing.md: listed in tools/i18n/pages.txt, but there is no such page"

if [ "$failures" -gt 0 ]; then echo "check_test: $failures case(s) failed" >&2; exit 1; fi
echo "check_test: every case behaved"
