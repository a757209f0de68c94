#!/bin/sh
# pocker-grade end to end (ctest, label grader). Usage: end_to_end.sh MODE GRADE WORKDIR FAKE_LABS
#   reference  the built pocker on Lv0Exit.*: full marks, exit 0
#   broken     a "pocker" that always exits 0 on Lv0Exit.*: exactly the four labs that want a
#              non-zero status fail, each saying what was expected, what was seen and the lesson
#   fake       FAKE_LABS as the lab binary: a failure with awkward text, a skip, a crash and a hang
# Each run's results.json, junit.xml and summary.json must pass `pocker-grade --check` (and
# xmllint, when it is installed).
set -u
mode=$1 grade=$2 work=$3 fake_labs=$4
rm -rf "$work"
mkdir -p "$work"
out=$work/out

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# grade ARGS...: runs the grader into $out; its output in $work/grade.txt, its status in $status.
grade() {
  "$grade" --out "$out" "$@" >"$work/grade.txt" 2>&1
  status=$?
  cat "$work/grade.txt"
}

check_outputs() {
  "$grade" --check "$out" >"$work/check.txt" 2>&1 || { cat "$work/check.txt"; fail "--check found a problem"; }
  if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$out/junit.xml" || fail "xmllint rejects junit.xml"
  fi
}

# expect_verdicts LINE...: the "passed|failed|skipped: NAME" lines of --check, in any order.
expect_verdicts() {
  grep -E '^(passed|failed|skipped): ' "$work/check.txt" | sort >"$work/verdicts.got"
  printf '%s\n' "$@" | sort >"$work/verdicts.want"
  diff -u "$work/verdicts.want" "$work/verdicts.got" || fail "the verdicts are not the expected ones"
}

expect_line() {
  grep -qxF -- "$1" "$work/grade.txt" || fail "the report has no line \"$1\""
}

expect_text() {  # FILE TEXT
  grep -qF -- "$2" "$1" || fail "$1 does not contain \"$2\""
}

printf '# every test 1 point\n*\t1\n' >"$work/points.tsv"

case $mode in
reference)
  grade --filter 'Lv0Exit.*' --points "$work/points.tsv"
  [ "$status" = 0 ] || fail "the reference pocker did not get full marks (status $status)"
  expect_line "Score: 6/6"
  check_outputs
  expect_verdicts "passed: Lv0Exit.PassesStatus0" "passed: Lv0Exit.PassesStatus1" "passed: Lv0Exit.PassesStatus42" \
    "passed: Lv0Exit.PassesStatus255" "passed: Lv0Exit.TrueGives0" "passed: Lv0Exit.FalseGives1"
  ;;
broken)
  printf '#!/bin/sh\n# a broken pocker: does nothing, exits 0\nexit 0\n' >"$work/pocker"
  chmod +x "$work/pocker"
  POCKER=/nonexistent/not-this-one grade --filter 'Lv0Exit.*' --points "$work/points.tsv" --pocker "$work/pocker"
  [ "$status" = 1 ] || fail "a broken pocker should make the grader exit 1, not $status"
  expect_line "Score: 2/6"
  expect_line "  FAIL  0/1  Lv0Exit.PassesStatus42"
  check_outputs
  expect_verdicts "passed: Lv0Exit.PassesStatus0" "failed: Lv0Exit.PassesStatus1" "failed: Lv0Exit.PassesStatus42" \
    "failed: Lv0Exit.PassesStatus255" "passed: Lv0Exit.TrueGives0" "failed: Lv0Exit.FalseGives1"
  # Each failure says what was expected, what was seen and which lesson step explains it.
  for text in "expected exit status 42" "status: 0" "lesson: lessons/lv0-syscalls step 1" "$work/pocker"; do
    expect_text "$out/results.json" "$text"
    expect_text "$out/junit.xml" "$text"
    expect_text "$work/grade.txt" "$text"
  done
  # Without --pocker, $POCKER names the binary graded.
  POCKER=$work/pocker grade --filter 'Lv0Exit.TrueGives0' --points "$work/points.tsv"
  [ "$status" = 0 ] || fail "Lv0Exit.TrueGives0 alone should pass with the broken pocker (status $status)"
  expect_line "Grading $work/pocker"
  ;;
fake)
  printf 'Lv0Fake.FailsWithAwkwardText\t3\nLv2*\t2\n*\t1\n' >"$work/points.tsv"
  printf 'A note with <xml> & "quotes"\n' >"$work/preamble.txt"
  grade --labs "$fake_labs" --pocker /bin/true --points "$work/points.tsv" --test-timeout 2 \
    --preamble "$work/preamble.txt"
  [ "$status" = 1 ] || fail "failures should make the grader exit 1, not $status"
  expect_line "Score: 10/15"
  check_outputs
  expect_verdicts "passed: Lv0Fake.Passes" "failed: Lv0Fake.FailsWithAwkwardText" "skipped: Lv0Fake.Skips" \
    "passed: Lv0Fake.PassesAfter" "failed: Lv1Fake.Crashes" "passed: Lv1Fake.AfterCrash" "failed: Lv1Hang.Hangs" \
    "passed: Lv1Hang.AfterHang" "passed: Lv2Param.Works/a" "passed: Lv2Param.Works/b" "passed: Lv2Fake.Passes"
  expect_text "$work/grade.txt" "skipped: the host lacks a delegated <cpu> controller & more"
  expect_text "$work/grade.txt" "killed by signal 11 (SIGSEGV"
  expect_text "$work/grade.txt" "about to crash"
  expect_text "$work/grade.txt" "still running after 2 s"
  expect_text "$out/results.json" "Skipped, not counted: the host lacks a delegated <cpu> controller & more"
  expect_text "$out/results.json" 'A note with <xml> & \"quotes\"'
  expect_text "$out/junit.xml" "expected &lt;b&gt;&amp;amp; &quot;quoted&quot;"
  expect_text "$out/junit.xml" '\x01\x1b[31mred'
  # One level on its own: full marks, exit 0; and --list names what would be graded.
  grade --labs "$fake_labs" --pocker /bin/true --points "$work/points.tsv" --level lv2
  [ "$status" = 0 ] || fail "full marks on Lv2 should make the grader exit 0, not $status"
  expect_line "Score: 6/6"
  check_outputs
  "$grade" --labs "$fake_labs" --points "$work/points.tsv" --list --filter 'Lv0*' >"$work/grade.txt" 2>&1 ||
    fail "--list failed"
  expect_line "$(printf 'Lv0\t3\tLv0Fake.FailsWithAwkwardText')"
  [ "$(wc -l <"$work/grade.txt")" -eq 4 ] || fail "--list should name the 4 Lv0 tests (not the disabled one)"
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac
echo "ok: $mode"
