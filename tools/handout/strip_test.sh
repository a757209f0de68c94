#!/bin/sh
# strip.awk on small files (ctest handout.strip): a step taken out, a step
# kept, and each kind of bad marker refused with FILE:LINE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf 'a.one\tlessons/a.md\tstep 1 (one)\tA.*\nb.two\tlessons/b.md\tstep 2 (two)\tB.*\n' > "$work/steps.tsv"
cat > "$work/in.cpp" <<'SRC'
int f(int x) {
  // handout(a.one) begin: double x
  x *= 2;
  // handout(a.one) stub:
  // (void)0;
  //
  // handout(a.one) end
  // handout(b.two) begin: add one
  x += 1;
  // handout(b.two) end
  return x;
}
SRC
strip() { awk -v strip=" $1 " -f "$here/strip.awk" "$work/steps.tsv" "$2"; }

cat > "$work/want-a" <<'SRC'
int f(int x) {
  // TODO(a.one): double x
  //   Lesson: lessons/a.md, step 1 (one).
  //   Check:  make grade GRADE_ARGS="--filter 'A.*'"
  (void)0;

  x += 1;
  return x;
}
SRC
strip a.one "$work/in.cpp" > "$work/got-a"
diff -u "$work/want-a" "$work/got-a" || fail "a.one taken out"

grep -v 'handout(' "$work/in.cpp" | grep -v '^  // (void)0;$' | grep -v '^  //$' > "$work/want-none"
strip "" "$work/in.cpp" > "$work/got-none"
diff -u "$work/want-none" "$work/got-none" || fail "nothing taken out: only the markers and stubs go"

refused() {  # NAME EXPECTED-MESSAGE: the file on stdin must be refused with it
  cat > "$work/$1.cpp"
  if strip a.one "$work/$1.cpp" > /dev/null 2> "$work/$1.err"; then fail "$1: accepted"; fi
  grep -q "^$work/$1.cpp:[0-9]*: .*$2" "$work/$1.err" || fail "$1: said $(cat "$work/$1.err")"
}
printf '// handout(a.one) begin: x\nint x;\n' | refused unclosed 'begin has no end'
printf '// handout(a.one) end\n' | refused stray 'without a matching begin'
printf '// handout(a.one) begin: x\n// handout(b.two) begin: y\n' | refused nested 'no nesting'
printf '// handout(c.three) begin: x\n// handout(c.three) end\n' | refused unknown 'no such step'
printf '// handout(a.one) begin:\n// handout(a.one) end\n' | refused no-task 'task text'
printf '// handout(a.one) begin: x\n// handout(a.one) stub:\nint y;\n// handout(a.one) end\n' | refused code-stub 'must be comments'
printf '// handout(a.one) finish\n' | refused bad-word 'must be'
echo "strip.awk: all cases pass"
