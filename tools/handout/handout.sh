#!/bin/sh
# Writes a student repository: this tree with the marked solutions replaced
# by compiling stubs (tools/handout/README.md).
#
#   tools/handout/handout.sh --out DIR [--levels lv1,lv2] [--steps lv1.uts,...]
#
# --levels picks levels, --steps single steps (both default to every step in
# steps.tsv). DIR must not exist yet, or be empty, and must lie outside this
# tree. Nothing is left behind on failure: the handout is written next to
# DIR and moved into place at the end.
set -eu

die() { echo "pocker handout: $*" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
steps_file="$here/steps.tsv"
out="" levels="" steps="" levels_set=0 steps_set=0 snapshot=0

while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --levels) [ $# -ge 2 ] || die "--levels needs a list such as lv1,lv2"; levels=$2; levels_set=1; shift 2 ;;
    --levels=*) levels=${1#--levels=}; levels_set=1; shift ;;
    --steps) [ $# -ge 2 ] || die "--steps needs a list such as lv1.uts,lv1.pid"; steps=$2; steps_set=1; shift 2 ;;
    --steps=*) steps=${1#--steps=}; steps_set=1; shift ;;
    --snapshot) snapshot=1; shift ;;  # a plain copy of the tree, markers and all (check.sh)
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$out" ] || die "say where the handout goes: --out DIR (make handout OUT=DIR)"

# Every step, in the order of steps.tsv, and the levels they belong to.
all_steps=$(awk -F '\t' '!/^#/ && NF >= 4 { print $1 }' "$steps_file")
all_levels=$(echo "$all_steps" | sed 's/\..*//' | awk '!seen[$0]++')

# The steps to strip: --steps, else every step of --levels, else all.
chosen=""
if [ "$steps_set" = 1 ]; then
  for step in $(echo "$steps" | tr ',' ' '); do
    echo "$all_steps" | grep -qx "$step" ||
      die "unknown step '$step' (steps: $(echo $all_steps))"
    chosen="$chosen $step"
  done
else
  [ "$levels_set" = 1 ] || levels=$(echo $all_levels | tr ' ' ',')
  for level in $(echo "$levels" | tr ',' ' '); do
    echo "$all_levels" | grep -qx "$level" ||
      die "unknown level '$level' (levels with marked steps: $(echo $all_levels))"
    chosen="$chosen $(echo "$all_steps" | grep "^$level\\." | tr '\n' ' ')"
  done
fi
[ "$levels_set" = 1 ] && [ -z "$(echo $chosen)" ] && die "--levels is empty"

case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
if [ -e "$out" ]; then
  [ -d "$out" ] || die "$out exists and is not a directory"
  [ -z "$(ls -A "$out")" ] || die "$out is not empty: choose a new directory"
fi
parent=$(dirname "$out")
[ -d "$parent" ] || die "$parent does not exist"
case "$(cd "$parent" && pwd)/" in
  "$src"/*) die "$out is inside the source tree $src: choose a directory outside it" ;;
esac

work=$(mktemp -d "$parent/.pocker-handout.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The tracked files (and new ones not yet committed), never build output.
if [ -d "$src/.git" ] && command -v git >/dev/null; then
  (cd "$src" && git ls-files --cached --others --exclude-standard -z) |
    (cd "$src" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
    (cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$work"
else
  (cd "$src" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -xf - -C "$work"
fi
if [ "$snapshot" = 1 ]; then
  mv "$work" "$out"
  trap - EXIT INT TERM
  exit 0
fi
# The solutions' map stays with the instructor.
rm -rf "$work/tools/handout"

seen="$work/.handout-seen"
: > "$seen"
rm -f "$seen"
# Strip (or just unmark) every marked file. File names here have no newlines.
marked=$(grep -rl --include='*.cpp' --include='*.hpp' --include='*.h' -e '// handout(' "$work" || true)
old_ifs=$IFS; IFS='
'
for file in $marked; do
  awk -v strip=" $chosen " -v seen="$seen" -f "$here/strip.awk" "$steps_file" "$file" \
    > "$file.stripped" || die "bad markers in ${file#"$work"/} (see above)"
  mv "$file.stripped" "$file"
done
IFS=$old_ifs
for step in $chosen; do
  grep -qx "$step" "$seen" || die "steps.tsv names $step, but no source file marks it"
done
rm -f "$seen"

# The student's guide: what to do, in order, and how to check each step.
{
  echo "# Your pocker: the steps to do"
  echo
  echo "This repository is pocker with some of its code taken out. Each missing"
  echo "piece is marked \`TODO(step)\` in the source, and names the lesson that"
  echo "explains it and the lab tests that check it. The program builds and"
  echo "runs as it is; the lab tests of each step fail until you write it."
  echo
  echo "Build and grade your work (as root, on Debian 12):"
  echo
  echo "    ./build.sh run            # build, and start a container"
  echo "    make grade                # every lab test, with your score"
  echo "    grep -rn 'TODO(' pocker/  # what is left to do"
  echo
  echo "Do the steps in this order:"
  echo
  echo "| step | lesson | check it with |"
  echo "|---|---|---|"
  for step in $(echo "$all_steps"); do
    case " $chosen " in *" $step "*) ;; *) continue ;; esac
    awk -F '\t' -v id="$step" '$1 == id {
      printf "| `%s` | %s, %s | `make grade GRADE_ARGS=\"--filter '"'"'%s'"'"'\"` |\n", $1, $2, $3, $4
    }' "$steps_file"
  done
} > "$work/HANDOUT.md"

if command -v git >/dev/null; then
  git -C "$work" init -q
  git -C "$work" add -A
  git -C "$work" -c user.name='pocker handout' -c user.email='handout@pocker.invalid' \
    commit -q -m "pocker handout: the steps to do are in HANDOUT.md"
fi
mkdir -p "$out"
rmdir "$out"
mv "$work" "$out"
trap - EXIT INT TERM
echo "pocker handout: wrote $out ($(echo $chosen | wc -w) steps to do, listed in HANDOUT.md)"
