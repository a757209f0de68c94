#!/bin/sh
# A failing lab prints its `lesson:` hint in the student's language: Chinese with POCKER_LANG=zh-CN
# or a Chinese locale, English otherwise. The "pocker" here always exits 1, so Lv0Exit.PassesStatus42
# fails and prints its hint.
#
#   labs/support/lang_test.sh build/labs/pocker-labs
set -eu
labs=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '#!/bin/sh\nexit 1\n' > "$dir/pocker"
chmod +x "$dir/pocker"
failures=0

# run NAME ENV...: the lab's output under that environment (the lab must fail).
run() {
  name=$1; shift
  if env -u POCKER_LANG -u LC_ALL -u LC_MESSAGES -u LANG POCKER="$dir/pocker" "$@" \
       "$labs" --gtest_filter=Lv0Exit.PassesStatus42 > "$dir/$name.out" 2>&1; then
    echo "FAIL: $name: the lab passed against a pocker that always exits 1" >&2
    failures=$((failures + 1))
  fi
}

# expect NAME TEXT: the output of run NAME has TEXT.
expect() {
  if grep -qF -- "$2" "$dir/$1.out"; then echo "ok: $1"; else
    echo "FAIL: $1: no \"$2\" in:" >&2
    sed 's/^/    /' "$dir/$1.out" >&2
    failures=$((failures + 1))
  fi
}

zh='lesson: lessons/lv0-syscalls/README.zh-CN.md 第 1 步（fork、exec、wait：退出状态）'
en='lesson: lessons/lv0-syscalls step 1 (fork, exec, wait: the exit status)'

run english
expect english "$en"
run pocker-lang POCKER_LANG=zh-CN
expect pocker-lang "$zh"
run locale LANG=zh_CN.UTF-8
expect locale "$zh"
run lc-all LC_ALL=zh_CN.UTF-8 LANG=C.UTF-8
expect lc-all "$zh"
run english-asked POCKER_LANG=en LANG=zh_CN.UTF-8
expect english-asked "$en"
# The lab's own words stay English: only the hint is translated.
expect pocker-lang "expected exit status 42"

if [ "$failures" -gt 0 ]; then echo "lang_test: $failures case(s) failed" >&2; exit 1; fi
echo "lang_test: the hint follows the student's language"
