#!/bin/bash
# Soak benchmark (benchmarks/README.md, "soak.sh"): many containers in a row
# and side by side, to show what grows. Not a test: it reports, and exits 1
# only when something was left behind.
#
#   benchmarks/soak.sh [POCKER_BIN]             as root; default build/pocker/pocker
#   RUNS=100 DETACHED=20 benchmarks/soak.sh      a short run
#
# Phases:
#   1. RUNS sequential `run --rm busybox hostname`, each timed (the hostname is
#      the id's first 12 digits: how its cgroups are found later); every SAMPLE_EVERY
#      runs one more with `sleep`, whose pocker's VmRSS and descriptors are read
#      while it waits;
#   2. DETACHED concurrent `run -d --memory 32m --pids-limit 50` (PARALLEL at a
#      time), each printing a line a second;
#   3. a `logs -f` against each (left running), then an `exec` in each;
#   4. `rm -f` of each, after which every `logs -f` must have ended.
# Through phases 2-4 the monitors (`pocker-monitor` in ps) and the `logs -f`
# pockers are sampled: count, total and largest VmRSS, total and largest
# number of open descriptors. At the end: the time per `run --rm` of the first
# WINDOW runs against the last WINDOW (target: at most 1.2 x), and what was
# left: containers, cgroup directories under /sys/fs/cgroup/*/pocker, mounts
# and processes (target: nothing).
#
# Everything lives under its own --root in /tmp, removed on exit, also when
# the script is interrupted.
set -u

RUNS=${RUNS:-1000}
DETACHED=${DETACHED:-200}
PARALLEL=${PARALLEL:-10}
WINDOW=${WINDOW:-100}
SAMPLE_EVERY=${SAMPLE_EVERY:-100}
IMAGE=${IMAGE:-busybox}

cd "$(dirname "$0")/.."
POCKER=$(realpath "${1:-build/pocker/pocker}")
[ -x "$POCKER" ] || { echo "soak: no pocker at $POCKER (make build first)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "soak: run as root (cgroup limits)" >&2; exit 2; }
# The first and the last WINDOW runs must not overlap.
[ $((WINDOW * 2)) -le "$RUNS" ] || WINDOW=$((RUNS / 2))
[ "$WINDOW" -ge 1 ] || { echo "soak: RUNS must be at least 2" >&2; exit 2; }

ROOT=$(mktemp -d /tmp/pocker-soak.XXXXXX)
WORK=$ROOT.work         # timings and samples, outside the store
mkdir -p "$WORK"
LOG_PIDS=()             # the `logs -f` pockers, ended by their pids on exit
p() { "$POCKER" --root "$ROOT" "$@"; }

# On any exit: end what this script started, remove its containers, unmount
# whatever is still mounted below its root (deepest first), then delete.
# --one-file-system keeps rm out of a mount that would not go.
cleanup() {
  trap - EXIT INT TERM
  for pid in "${LOG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  local ids
  ids=$(p ps -aq 2>/dev/null)
  [ -n "$ids" ] && p rm -f $ids >/dev/null 2>&1
  awk -v r="$ROOT" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$ROOT" "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { echo $(($(date +%s%N) / 1000)); }
# VmRSS in KiB and open descriptors of one process ("0 0" once it is gone).
rss_fds() {
  local rss fds
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
  fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
  echo "${rss:-0} $fds"
}
# The pocker processes of this --root (its path is on their command line)
# whose comm is $1: `pocker-monitor` for monitors, `pocker` for the CLI.
pids_named() {
  local pid
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] || continue
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--root $ROOT " && echo "$pid"
  done
}
# One line: count, total and largest VmRSS (MiB, KiB), total and largest fds.
sample() {
  local label=$1 comm=$2 pid n=0 rss_sum=0 rss_max=0 fd_sum=0 fd_max=0 rss fds
  for pid in $(pids_named "$comm"); do
    read -r rss fds < <(rss_fds "$pid")
    [ "$rss" = 0 ] && continue
    n=$((n + 1)); rss_sum=$((rss_sum + rss)); fd_sum=$((fd_sum + fds))
    [ "$rss" -gt "$rss_max" ] && rss_max=$rss
    [ "$fds" -gt "$fd_max" ] && fd_max=$fds
  done
  printf '  %-26s %-15s n=%-4d rss total %6d KiB  max %5d KiB  fds total %5d  max %3d\n' \
    "$label" "$comm" "$n" "$rss_sum" "$rss_max" "$fd_sum" "$fd_max"
}
# Mean and median of the numbers (µs) in lines $2..$3 of file $1, in ms.
stats() {
  sed -n "$2,$3p" "$1" | sort -n | awk '{ v[NR] = $1; s += $1 }
    END { if (NR == 0) { print "n/a"; exit }
          printf "mean %.2f ms  median %.2f ms  (n=%d)", s / NR / 1000, v[int((NR + 1) / 2)] / 1000, NR }'
}
mean_of() { sed -n "$2,$3p" "$1" | awk '{ s += $1 } END { printf "%.0f", NR ? s / NR : 0 }'; }

cgroups_before=$(ls -d /sys/fs/cgroup/*/pocker/*/ 2>/dev/null | sort)
echo "soak: pocker $POCKER, root $ROOT"
echo "soak: RUNS=$RUNS DETACHED=$DETACHED PARALLEL=$PARALLEL WINDOW=$WINDOW; load average $(cut -d' ' -f1-3 /proc/loadavg)"
started=$(date +%s)

# --- 1. sequential run --rm -------------------------------------------------
# One run first, untimed: it unpacks the image into the new store.
p run --rm "$IMAGE" true || { echo "soak: the first run failed" >&2; exit 1; }
echo "soak: $RUNS x run --rm $IMAGE hostname"
echo "  pocker run --rm (sampled while its container sleeps):"
failed=0
for i in $(seq 1 "$RUNS"); do
  t0=$(now_us)
  p run --rm "$IMAGE" hostname >> "$WORK/ids-rm" || failed=$((failed + 1))
  echo $(($(now_us) - t0)) >> "$WORK/run.us"
  if [ $((i % SAMPLE_EVERY)) = 0 ] || [ "$i" = 1 ]; then
    p run --rm "$IMAGE" sleep 0.3 &
    pid=$!
    sleep 0.15
    read -r rss fds < <(rss_fds "$pid")
    wait "$pid"
    printf '    after run %5d: pocker VmRSS %5d KiB, %3d fds\n' "$i" "$rss" "$fds"
  fi
done
[ "$failed" = 0 ] || echo "soak: $failed of $RUNS runs failed"

# --- 2. concurrent run -d with limits ----------------------------------------
echo "soak: $DETACHED x run -d --memory 32m --pids-limit 50 ($PARALLEL at a time)"
launch() {
  local t0 id
  t0=$(now_us)
  id=$(p run -d --memory 32m --pids-limit 50 "$IMAGE" \
         sh -c 'while true; do echo tick; sleep 1; done') || return 1
  echo "$id" >> "$WORK/ids"
  echo $(($(now_us) - t0)) >> "$WORK/run-d.us"
}
for i in $(seq 1 "$DETACHED"); do
  launch &
  [ $((i % PARALLEL)) = 0 ] && wait
done
wait
started_d=$(wc -l < "$WORK/ids" 2>/dev/null || echo 0)
echo "  started $started_d of $DETACHED; running per ps: $(p ps -q | wc -l)"
echo "  samples:"
sample "after run -d" pocker-monitor

# --- 3. logs -f and exec against them ----------------------------------------
for id in $(cat "$WORK/ids"); do
  p logs -f "$id" > /dev/null 2>&1 &
  LOG_PIDS+=($!)
done
sleep 2
sample "with logs -f" pocker-monitor
sample "with logs -f" pocker
exec_failed=0
for id in $(cat "$WORK/ids"); do
  t0=$(now_us)
  out=$(p exec "$id" echo soak) || exec_failed=$((exec_failed + 1))
  [ "$out" = soak ] || exec_failed=$((exec_failed + 1))
  echo $(($(now_us) - t0)) >> "$WORK/exec.us"
done
[ "$exec_failed" = 0 ] || echo "  exec: $exec_failed failures"
sample "after exec" pocker-monitor
sample "after exec" pocker

# --- 4. rm -f -----------------------------------------------------------------
for id in $(cat "$WORK/ids"); do
  t0=$(now_us)
  p rm -f "$id" > /dev/null || echo "  rm -f $id failed"
  echo $(($(now_us) - t0)) >> "$WORK/rm.us"
done
# Each `logs -f` ends when its container does; give them a moment.
for _ in $(seq 1 50); do
  alive=0
  for pid in "${LOG_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
sample "after rm -f" pocker-monitor
echo "  logs -f still running after rm -f: $alive"

# --- report -------------------------------------------------------------------
echo "soak: time per operation"
first=$(mean_of "$WORK/run.us" 1 "$WINDOW")
last=$(mean_of "$WORK/run.us" $((RUNS - WINDOW + 1)) "$RUNS")
echo "  run --rm, first $WINDOW: $(stats "$WORK/run.us" 1 "$WINDOW")"
echo "  run --rm, last  $WINDOW: $(stats "$WORK/run.us" $((RUNS - WINDOW + 1)) "$RUNS")"
ratio=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2f", a ? b / a : 0 }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.2) ? "ok" : "ABOVE TARGET" }')
echo "  last/first: $ratio x (target <= 1.2: $verdict)"
n_d=$(wc -l < "$WORK/run-d.us" 2>/dev/null || echo 0)
h=$(((n_d + 1) / 2))
echo "  run -d,  first half: $(stats "$WORK/run-d.us" 1 "$h");  second half: $(stats "$WORK/run-d.us" $((h + 1)) "$n_d")"
echo "  exec:    $(stats "$WORK/exec.us" 1 "$n_d")"
echo "  rm -f:   $(stats "$WORK/rm.us" 1 "$n_d")"

echo "soak: left behind"
left=0
containers=$(p ps -aq | wc -l)
echo "  containers in ps -a: $containers"
left=$((left + containers))
new_cgroups=$(comm -13 <(echo "$cgroups_before") <(ls -d /sys/fs/cgroup/*/pocker/*/ 2>/dev/null | sort))
ours=0
for dir in $new_cgroups; do
  # Only ours (a full id of run -d, or the 12-digit prefix a run --rm printed):
  # another pocker (a test run) may be making cgroups meanwhile.
  name=$(basename "$dir")
  if grep -qxF "$name" "$WORK/ids" 2>/dev/null || grep -qxF "${name:0:12}" "$WORK/ids-rm" 2>/dev/null; then
    echo "    $dir"; ours=$((ours + 1))
  fi
done
others=$(($(printf '%s\n' $new_cgroups | grep -c .) - ours))
echo "  cgroup dirs of its containers: $ours (new ones of other pockers: $others)"
left=$((left + ours))
mounts=$(grep -cF "$ROOT" /proc/self/mountinfo)
echo "  mounts under $ROOT: $mounts"
left=$((left + mounts))
procs=$(( $(pids_named pocker-monitor | wc -l) + $(pids_named pocker | wc -l) ))
echo "  pocker processes of this root: $procs"
left=$((left + procs))
echo "soak: done in $(($(date +%s) - started)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$left" != 0 ]; then
  echo "soak: $left things left behind" >&2
  exit 1
fi
echo "soak: nothing left behind"
