#!/bin/sh
# Runs one lesson example and checks what it did. Used by the ctest tests that
# lessons/CMakeLists.txt registers (pocker_lesson_test); you can also run it by hand:
#
#   lessons/run-example.sh [--root] [--exit N] [--expect ERE]... [--reject ERE]... -- PROGRAM [ARG...]
#
#   --root         the example needs root: exit 77 (ctest: skipped) when not root
#   --exit N       the exit status PROGRAM must end with (default 0)
#   --expect ERE   some line of the output (stdout and stderr together) must match ERE
#   --reject ERE   no line of the output may match ERE
#
# Why not ctest's PASS_REGULAR_EXPRESSION: with it, ctest ignores the exit status,
# and the test passes when *any one* of the expressions matches. An example that
# prints the right words but exits with the wrong status must fail.
set -u

need_root=0
want_exit=0
expects=''
rejects=''
newline='
'
while [ $# -gt 0 ]; do
  case $1 in
    --root) need_root=1; shift ;;
    --exit) want_exit=$2; shift 2 ;;
    --expect) expects=$expects$2$newline; shift 2 ;;
    --reject) rejects=$rejects$2$newline; shift 2 ;;
    --) shift; break ;;
    *) echo "run-example.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "run-example.sh: no program given" >&2
  exit 2
fi

if [ "$need_root" = 1 ] && [ "$(id -u)" != 0 ]; then
  echo "skipped: this example needs root (run the tests as root to include it)"
  exit 77
fi

echo "\$ $*"
out=$("$@" </dev/null 2>&1)
got_exit=$?
printf '%s\n' "$out"
echo "--- exit status $got_exit"

failed=0
if [ "$got_exit" != "$want_exit" ]; then
  echo "FAIL: expected exit status $want_exit, got $got_exit"
  failed=1
fi
while IFS= read -r re; do
  [ -z "$re" ] && continue
  if ! printf '%s\n' "$out" | grep -Eq -e "$re"; then
    echo "FAIL: no output line matches: $re"
    failed=1
  fi
done <<EOF
$expects
EOF
while IFS= read -r re; do
  [ -z "$re" ] && continue
  if printf '%s\n' "$out" | grep -Eq -e "$re"; then
    echo "FAIL: an output line matches what must not appear: $re"
    failed=1
  fi
done <<EOF
$rejects
EOF
[ "$failed" = 0 ] && echo "ok"
exit "$failed"
