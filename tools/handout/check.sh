#!/bin/bash
# Proves that the handout discriminates (tools/handout/README.md):
#  1. the handout with every step taken out builds with warnings as errors,
#     unit tests and labs included, has no marker left, and still runs a
#     container;
#  2. the reference passes every step's labs;
#  3. with one step taken out (and only that one), each of its labs fails.
# Steps 2 and 3 reuse the handout's build tree: only the files a step marks
# compile again.
#
#   tools/handout/check.sh [--discover] [--keep] [STEP...]
#
# --discover runs every lab for each step and lists the ones that fail:
# use it to write the labs column of steps.tsv. --keep keeps the work
# directory. Needs root (the labs run containers). JOBS sets build jobs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
steps_file="$here/steps.tsv"
jobs=${JOBS:-$(nproc)}
discover=0 keep=0 only=()

die() { echo "handout check: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --discover) discover=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) only+=("$1") ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || die "needs root: the lab tests run containers"

steps=()
declare -A labs_of
while IFS=$'\t' read -r id lesson title labs; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  labs_of[$id]=$labs
  if [ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" $id "* ]]; then steps+=("$id"); fi
done < "$steps_file"
for id in "${only[@]}"; do [ -n "${labs_of[$id]:-}" ] || die "unknown step $id"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/pocker-handout-check.XXXXXX")
if [ "$keep" = 1 ]; then echo "handout check: work directory $work"; else trap 'rm -rf "$work"' EXIT; fi
log() { echo "handout check: $*"; }

# Everything below reads one snapshot of the tree, so edits made meanwhile
# cannot mix two versions of a file.
"$here/handout.sh" --snapshot --out "$work/src"
src="$work/src"
here="$src/tools/handout"
steps_file="$here/steps.tsv"

build() {  # SRC BUILD [TARGET]: configure once, then build quietly; show the log on failure
  local out="$work/build.log"
  if ! { [ -f "$2/build.ninja" ] || cmake -S "$1" -B "$2" -G Ninja -DPOCKER_WERROR=ON; } > "$out" 2>&1 ||
     ! cmake --build "$2" -j "$jobs" ${3:+--target "$3"} >> "$out" 2>&1; then
    tail -n 60 "$out" >&2
    return 1
  fi
}

# Runs the labs FILTER selects against POCKER; prints "PASS name", "FAIL name", "SKIP name".
run_labs() {  # POCKER FILTER
  POCKER="$1" "$work/student/build/labs/pocker-labs" --gtest_filter="$2" --gtest_color=no 2>&1 |
    sed -n 's/^\[       OK \] \([^ ]*\) .*/PASS \1/p; s/^\[  FAILED  \] \([^ ]*\) (.*/FAIL \1/p;
            s/^\[  SKIPPED \] \([^ ]*\) .*/SKIP \1/p' || true
}

# 1. The handout with everything taken out.
log "writing the handout with every step taken out"
"$here/handout.sh" --out "$work/student" > /dev/null
if left=$(grep -rn --include='*.cpp' --include='*.hpp' --include='*.h' '// handout(' "$work/student"); then
  die "markers left in the handout: $left"
fi
todos=$(grep -rho 'TODO([a-z0-9.-]*)' "$work/student/pocker" | sort -u | tr '\n' ' ')
log "TODOs in the handout: $todos"
log "building the handout (unit tests and labs too, warnings are errors)"
build "$work/student" "$work/student/build" || die "the handout does not build"
root="$work/pocker-root"
"$work/student/build/pocker/pocker" --root "$root" run --rm busybox true ||
  die "the handout's pocker cannot run a container (a stub must not break what the step does not own)"
rm -rf "$root"

# 2. The reference passes every step's labs. It is the same tree with every
# marked file put back (markers gone, nothing taken out): only those files
# compile again.
marked=$(cd "$src" && grep -rl --include='*.cpp' --include='*.hpp' --include='*.h' '// handout(' pocker)
for f in $marked; do awk -v strip=" " -f "$here/strip.awk" "$steps_file" "$src/$f" > "$work/student/$f"; done
log "building the reference"
build "$work/student" "$work/student/build" pocker || die "the reference does not build"
ref="$work/student/build/pocker/pocker"
union=$(for id in "${steps[@]}"; do echo "${labs_of[$id]}"; done | paste -sd:)
if [ "$discover" = 0 ]; then
  log "the reference on the labs of ${#steps[@]} steps"
  failed=$(run_labs "$ref" "$union" | grep '^FAIL' || true)
  [ -z "$failed" ] || die "the reference fails labs that steps.tsv lists: $(echo $failed)"
fi

# 3. One step out at a time.
status=0
printf '%-18s %6s %6s %6s  %s\n' step labs failed skipped verdict
for id in "${steps[@]}"; do
  files=$(cd "$src" && grep -rl --include='*.cpp' --include='*.hpp' --include='*.h' "// handout($id) begin" pocker || true)
  [ -n "$files" ] || die "no source file marks $id"
  for f in $files; do awk -v strip=" $id " -f "$here/strip.awk" "$steps_file" "$src/$f" > "$work/student/$f"; done
  build "$work/student" "$work/student/build" pocker || die "the reference without $id does not build"
  if [ "$discover" = 1 ]; then
    results=$(run_labs "$ref" '*')
    echo "$id: fails $(echo "$results" | awk '$1 == "FAIL" { print $2 }' | paste -sd:)"
  else
    results=$(run_labs "$ref" "${labs_of[$id]}")
    total=$(echo "$results" | grep -c . || true)
    nfail=$(echo "$results" | grep -c '^FAIL' || true)
    nskip=$(echo "$results" | grep -c '^SKIP' || true)
    verdict=ok
    if [ "$total" = 0 ]; then verdict="no lab matches ${labs_of[$id]}"; status=1
    elif [ $((nfail + nskip)) != "$total" ]; then
      verdict="passes without the step: $(echo "$results" | awk '$1 == "PASS" { print $2 }' | paste -sd' ')"
      status=1
    elif [ "$nskip" = "$total" ]; then verdict="not checked: every lab skipped on this host"
    fi
    printf '%-18s %6s %6s %6s  %s\n' "$id" "$total" "$nfail" "$nskip" "$verdict"
  fi
  for f in $files; do awk -v strip=" " -f "$here/strip.awk" "$steps_file" "$src/$f" > "$work/student/$f"; done
done
[ "$status" = 0 ] && log "every step's labs fail without it and pass with it"
exit "$status"
