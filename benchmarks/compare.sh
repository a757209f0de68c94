#!/usr/bin/env bash
# compare.sh [POCKER_BIN]: pocker side by side with other ways to start a
# process in isolation, timed by hyperfine (see benchmarks/README.md).
#
#   benchmarks/compare.sh                      # the build's pocker
#   benchmarks/compare.sh /path/to/pocker      # a student's build, same rows
#   RUNS=100 benchmarks/compare.sh             # more runs (default 30)
#
# Environment: RUNS (timed runs per row, default 30), PASSES (hyperfine
# runs they are split into, each starting at another row: default 3), BUILD (the build
# directory, default <repo>/build), NO_INSTALL=1 (never apt-get install
# jq, gnuplot or crun when they are missing), BASELINE=/path/to/pocker (an
# older pocker timed in the same run, for before/after comparisons).
#
# Writes benchmarks/results/<date>-<host>/: hyperfine.json (all passes pooled), hyperfine-pass<N>.md,
# summary.md (machine facts, the table, notes, target check), medians.png
# (or .svg) and the probe logs of the first run of each row. Needs root:
# every row but the bare /bin/true makes namespaces. Leaves no mounts,
# cgroups or containers behind.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BUILD=${BUILD:-$repo/build}
RUNS=${RUNS:-30}
PASSES=${PASSES:-3}
pocker_arg=${1:-${POCKER:-$BUILD/pocker/pocker}}

die() { echo "compare.sh: $*" >&2; exit 1; }
note() { echo "note: $*"; notes+=("$*"); }
# Quotes one word for hyperfine's shell-words splitting (and for sh).
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }

[ "$(id -u)" -eq 0 ] || die "needs root (the runtimes make namespaces, mounts and cgroups)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[[ "$PASSES" =~ ^[1-9][0-9]*$ ]] || die "PASSES must be a positive number, not '$PASSES'"
command -v hyperfine >/dev/null || die "hyperfine is not installed (apt-get install -y hyperfine)"
[ -x "$pocker_arg" ] || die "no pocker binary at $pocker_arg (build it, or pass its path)"
pocker_src=$(readlink -f "$pocker_arg")
baseline_src=
if [ -n "${BASELINE:-}" ]; then
  [ -x "$BASELINE" ] || die "BASELINE=$BASELINE is not an executable pocker"
  baseline_src=$(readlink -f "$BASELINE")
fi

# Installs a Debian package the script needs, unless told not to.
ensure() {  # ensure COMMAND PACKAGE
  command -v "$1" >/dev/null && return 0
  [ "${NO_INSTALL:-0}" = 1 ] && return 1
  echo "installing $2 (for $1)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1; } || true
  command -v "$1" >/dev/null
}
ensure jq jq || die "jq is needed to read hyperfine's JSON (apt-get install -y jq)"
have_gnuplot=1; ensure gnuplot gnuplot-nox || have_gnuplot=0
# PNG through cairo where gnuplot has it (Debian's gnuplot-nox does), else SVG.
chart=medians.svg chart_terminal=svg
if [ "$have_gnuplot" = 1 ] && gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo; then
  chart=medians.png chart_terminal=pngcairo
fi
have_crun=1; ensure crun crun || have_crun=0

notes=()
results=$here/results/$(date +%Y%m%d-%H%M%S)-$(hostname -s)
mkdir -p "$results"
work=$(mktemp -d /tmp/pocker-compare-XXXXXX)
runc_id=pocker-compare-runc-$$
crun_id=pocker-compare-crun-$$

cleanup() {
  set +e
  if command -v runc >/dev/null; then runc --root "$work/runc" delete --force "$runc_id" >/dev/null 2>&1; fi
  if [ "$have_crun" = 1 ]; then crun --root "$work/crun" delete --force "$crun_id" >/dev/null 2>&1; fi
  # pocker's store (images, container state): only removed when nothing is
  # still mounted below it, so a pocker bug cannot make us delete a rootfs.
  for store in "$results/pocker-root" "$results/baseline-root" "${tmpfs_root:-}"; do
    [ -n "$store" ] || continue
    if ! grep -q " $store" /proc/self/mountinfo; then rm -rf "$store"; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private copy of the binary: a rebuild during the run must not change it.
cp "$pocker_src" "$work/pocker"
pocker="$work/pocker"
proot="$results/pocker-root"
# The same store on a tmpfs, where the host has one: shows how much of a
# run is the store's file system (other runtimes keep their state in
# /run, a tmpfs). Informational; the targets use the row above.
tmpfs_root=
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  tmpfs_root=$(mktemp -d /dev/shm/pocker-compare-root-XXXXXX)
fi
if findmnt -n -o OPTIONS -T "$results" 2>/dev/null | tr ',' '\n' | grep -qx discard; then
  note "the file system under pocker's store is mounted with 'discard': every block a run frees (a --rm run frees about one: its directory; its writable layer is on a tmpfs, and its small files are usually deleted before they get blocks) is discarded synchronously, inside pocker's unlink, rename and rmdir calls. Compare the '(store on tmpfs)' row, and see benchmarks/README.md"
fi

# The same busybox image for every runtime.
bundle=$work/bundle
rootfs=$bundle/rootfs
mkdir -p "$bundle"
if [ -d "$BUILD/rootfs/busybox-rootfs/bin" ]; then
  cp -a "$BUILD/rootfs/busybox-rootfs" "$rootfs"
elif [ -f "$BUILD/rootfs/busybox.tar" ]; then
  mkdir "$rootfs" && tar -C "$rootfs" -xf "$BUILD/rootfs/busybox.tar"
else
  die "no busybox image in $BUILD/rootfs (build the project first)"
fi

# --- which rows can run here --------------------------------------------
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
# Runs a row's command once; true when it exits 0. Output goes to a log.
probe() {  # probe LOGNAME COMMAND...
  "${@:2}" >"$results/probe-$1.log" 2>&1
}

probe pocker "$pocker" --root "$proot" run --rm busybox true ||
  die "pocker run --rm busybox true failed (exit $?); see $results/probe-pocker.log"
add "pocker run --rm busybox true" "$(q "$pocker") --root $(q "$proot") run --rm busybox true"

rc=0; probe pocker-limits "$pocker" --root "$proot" run --rm --memory 64m --cpus 1 busybox true || rc=$?
if [ "$rc" = 0 ]; then
  add "pocker run --rm --memory 64m --cpus 1 busybox true" \
      "$(q "$pocker") --root $(q "$proot") run --rm --memory 64m --cpus 1 busybox true"
elif [ "$rc" = 125 ]; then
  note "this pocker does not support --memory/--cpus yet (exit 125: $(tail -n1 "$results/probe-pocker-limits.log")): row left out"
else
  note "pocker with --memory 64m --cpus 1 failed (exit $rc, see probe-pocker-limits.log): row left out"
fi
limits=(); [ "$rc" = 0 ] && limits=(--memory 64m --cpus 1)

if [ -n "$tmpfs_root" ]; then
  if probe pocker-tmpfs "$pocker" --root "$tmpfs_root" run --rm "${limits[@]}" busybox true; then
    add "pocker run --rm ${limits[*]:+${limits[*]} }busybox true (store on tmpfs)" \
        "$(q "$pocker") --root $(q "$tmpfs_root") run --rm ${limits[*]:+${limits[*]} }busybox true"
  else
    note "pocker with its store on tmpfs failed (see probe-pocker-tmpfs.log): row left out"
  fi
fi

# BASELINE: an older pocker, same rows, same run, its own store.
if [ -n "$baseline_src" ]; then
  cp "$baseline_src" "$work/baseline"
  broot="$results/baseline-root"
  for flags in "" "${limits[*]}"; do
    # shellcheck disable=SC2086  # the flags are words on purpose
    if probe baseline "$work/baseline" --root "$broot" run --rm $flags busybox true; then
      add "baseline: pocker run --rm ${flags:+$flags }busybox true" \
          "$(q "$work/baseline") --root $(q "$broot") run --rm ${flags:+$flags }busybox true"
    else
      note "the baseline pocker failed (see probe-baseline.log): its row '${flags:-plain}' left out"
    fi
    [ -n "${limits[*]}" ] || break
  done
fi

# One OCI bundle for runc and crun: runc's default spec, running true.
if command -v runc >/dev/null || [ "$have_crun" = 1 ]; then
  (cd "$bundle" && { runc spec 2>/dev/null || crun spec; })
  jq '.process.terminal = false | .process.args = ["true"]' "$bundle/config.json" >"$bundle/config.tmp"
  mv "$bundle/config.tmp" "$bundle/config.json"
fi

if command -v runc >/dev/null; then
  # `runc run` deletes the container when it exits (unless --keep); the runs
  # are sequential, so one id serves them all.
  cmd=(runc --root "$work/runc" run --bundle "$bundle" "$runc_id")
  if probe runc "${cmd[@]}"; then
    add "runc run" "runc --root $(q "$work/runc") run --bundle $(q "$bundle") $runc_id"
  else
    note "runc run failed (see probe-runc.log): row left out"
  fi
else
  note "runc is not installed: row left out"
fi

crun_wrapped=0
if [ "$have_crun" = 1 ]; then
  crun_cmd="crun --root $(q "$work/crun") run --bundle $(q "$bundle") $crun_id"
  controllers=/sys/fs/cgroup/unified/cgroup.controllers
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] && [ -n "$(cat "$controllers" 2>/dev/null)" ]; then
    # crun refuses hybrid hierarchies whose cgroup2 part has controllers
    # ("cgroups in hybrid mode not supported, drop all controllers from
    # cgroupv2"). Cover cgroup.controllers with an empty regular file in a
    # private mount namespace (unshare -m makes mounts private), per run.
    : >"$work/empty"
    wrap="mount --bind $(q "$work/empty") $controllers"
    crun_wrapped=1
    note "crun refuses this hybrid cgroup layout ($controllers lists: $(cat "$controllers")); each crun run covers that file with an empty regular file inside 'unshare -m sh -c ...' (a private mount namespace). The row 'crun wrapper only' times that wrapper alone"
    crun_row="unshare -m sh -c $(q "$wrap && exec $crun_cmd")"
  else
    crun_row=$crun_cmd
  fi
  if probe crun sh -c "$crun_row"; then
    add "crun run" "$crun_row"
    [ "$crun_wrapped" = 1 ] && add "crun wrapper only (unshare -m + mount)" "unshare -m sh -c $(q "$wrap")"
  else
    note "crun run failed (see probe-crun.log): row left out"
  fi
else
  note "crun is not installed (apt-get install -y crun): row and the crun target left out"
fi

if command -v bwrap >/dev/null &&
   probe bwrap bwrap --unshare-all --bind "$rootfs" / --proc /proc --dev /dev /bin/true; then
  add "bwrap --unshare-all" "bwrap --unshare-all --bind $(q "$rootfs") / --proc /proc --dev /dev /bin/true"
else
  note "bwrap is missing or failed (see probe-bwrap.log): row left out"
fi

if probe unshare unshare --fork --pid --mount --uts --ipc --net --root="$rootfs" --mount-proc /bin/true; then
  add "unshare (pid,mnt,uts,ipc,net)" \
      "unshare --fork --pid --mount --uts --ipc --net --root=$(q "$rootfs") --mount-proc /bin/true"
else
  note "unshare failed (see probe-unshare.log): row and the unshare target left out"
fi

if probe chroot chroot "$rootfs" /bin/true; then
  add "chroot" "chroot $(q "$rootfs") /bin/true"
fi
add "/bin/true" "/bin/true"

# --- the run --------------------------------------------------------------
# hyperfine times one row after the other, so a machine that gets busier
# (or quieter) during the run favours some rows. The runs are therefore split
# into PASSES hyperfine runs, each starting at another row, and each row's
# times from all passes are pooled.
per_pass=$(( (RUNS + PASSES - 1) / PASSES ))
n=${#names[@]}
echo "hyperfine: $n commands, $PASSES passes of $per_pass runs each (after 3 warm-up runs), rows rotated"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for pass in $(seq 1 "$PASSES"); do
  args=(--warmup 3 --runs "$per_pass" -N --style basic
        --export-json "$work/pass-$pass.json" --export-markdown "$results/hyperfine-pass$pass.md")
  first=$(( (pass - 1) * n / PASSES ))
  for k in $(seq 0 $((n - 1))); do
    i=$(( (first + k) % n ))
    args+=(-n "${names[$i]}" "${cmds[$i]}")
  done
  hyperfine "${args[@]}"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# One hyperfine-like JSON: every row (in the order of the table) with all its
# times, and the median, min and max over them.
jq -s '
  [.[].results[]] as $all
  | {results: [$ARGS.positional[] as $name
      | [$all[] | select(.command == $name) | .times[]] | sort as $t
      | {command: $name, times: $t, min: $t[0], max: $t[-1],
         median: (if ($t | length) % 2 == 1 then $t[($t | length - 1) / 2]
                  else ($t[($t | length) / 2 - 1] + $t[($t | length) / 2]) / 2 end)}]}' \
  "$work"/pass-*.json --args "${names[@]}" >"$results/hyperfine.json"

# --- the report -----------------------------------------------------------
# name<TAB>median<TAB>min<TAB>max in seconds, in run order.
jq -r '.results[] | [.command, .median, .min, .max] | @tsv' "$results/hyperfine.json" >"$work/rows.tsv"
median_of() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$work/rows.tsv"; }

cgroup_layout() {
  local top; top=$(stat -f -c %T /sys/fs/cgroup)
  if [ "$top" = cgroup2fs ]; then
    echo "unified (cgroup v2 at /sys/fs/cgroup; controllers: $(cat /sys/fs/cgroup/cgroup.controllers))"
  elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
    echo "hybrid (v1 controllers under /sys/fs/cgroup/<controller>; cgroup2 at /sys/fs/cgroup/unified with controllers: $(cat /sys/fs/cgroup/unified/cgroup.controllers))"
  else
    echo "legacy (cgroup v1 only)"
  fi
}
version() { "$@" 2>/dev/null | head -n1 || echo "not installed"; }

pocker_name="pocker run --rm --memory 64m --cpus 1 busybox true"
[ -n "$(median_of "$pocker_name")" ] || pocker_name="pocker run --rm busybox true"
crun_median=$(median_of "crun run")
wrapper_median=$(median_of "crun wrapper only (unshare -m + mount)")

{
  echo "# pocker compared with other runtimes ($(date '+%Y-%m-%d %H:%M'), $(hostname -s))"
  echo
  echo "## Machine"
  echo
  echo "- kernel: $(uname -sr)"
  echo "- CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores online"
  echo "- cgroups: $(cgroup_layout)"
  echo "- load average before / after: $load_before / $load_after"
  if awk -v l="${load_after%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
    echo "- **warning:** the machine was busy (load above half its cores): medians are inflated and"
    echo "  the ratios are noisy; rerun on a quiet machine before drawing conclusions"
  fi
  echo "- pocker: $pocker_src ($(version "$pocker" --version))"
  [ -n "$baseline_src" ] && echo "- baseline pocker: $baseline_src"
  echo "- pocker's store: $results/pocker-root, on $(findmnt -n -o FSTYPE,OPTIONS -T "$results" 2>/dev/null || echo '?')"
  echo "- $(version runc --version); $(version crun --version); $(version bwrap --version); $(version unshare --version); $(version hyperfine --version)"
  echo
  echo "## Results ($((per_pass * PASSES)) runs each, in $PASSES hyperfine passes (-N) that start at different rows)"
  echo
  awk -F'\t' -v crun="$crun_median" '
    { name[NR] = $1; med[NR] = $2; lo[NR] = $3; hi[NR] = $4
      if (NR == 1 || $2 < fastest) fastest = $2 }
    END {
      printf "| command | median | min–max | × fastest |%s\n", crun != "" ? " × crun |" : ""
      printf "|---|---:|---:|---:|%s\n", crun != "" ? "---:|" : ""
      for (i = 1; i <= NR; i++) {
        printf "| `%s` | %.2f ms | %.2f–%.2f ms | %.2f |", name[i], med[i] * 1e3, lo[i] * 1e3, hi[i] * 1e3, med[i] / fastest
        if (crun != "") printf " %.2f |", med[i] / crun
        printf "\n"
      }
    }' "$work/rows.tsv"
  if [ "$have_gnuplot" = 1 ]; then echo; echo "![medians]($chart)"; fi
  echo
  echo "## Target check (informational; never part of the tests)"
  echo
  pocker_median=$(median_of "$pocker_name")
  [ "$pocker_name" = "pocker run --rm busybox true" ] &&
    echo "(no --memory/--cpus row: checking plain \`$pocker_name\` instead)" && echo
  check() {  # check LABEL FACTOR REFERENCE_SECONDS
    awk -v p="$pocker_median" -v f="$2" -v r="$3" -v l="$1" 'BEGIN {
      limit = f * r
      printf "- %s: pocker %.2f ms vs %s = %.2f ms\n", (p <= limit ? "PASS" : "MISS"), p * 1e3, l, limit * 1e3 }'
  }
  if [ -n "$crun_median" ]; then
    check "0.35 × crun (as measured)" 0.35 "$crun_median"
    if [ -n "$wrapper_median" ]; then
      net=$(awk -v c="$crun_median" -v w="$wrapper_median" 'BEGIN { print c - w }')
      check "0.35 × crun without its hybrid-cgroup wrapper (≈ crun − wrapper)" 0.35 "$net"
    fi
  else
    echo "- SKIP: 0.35 × crun (no crun row)"
  fi
  unshare_median=$(median_of "unshare (pid,mnt,uts,ipc,net)")
  if [ -n "$unshare_median" ]; then
    check "1.5 × unshare" 1.5 "$unshare_median"
  else
    echo "- SKIP: 1.5 × unshare (no unshare row)"
  fi
  if [ "${#notes[@]}" -gt 0 ]; then
    echo
    echo "## Notes"
    echo
    for n in "${notes[@]}"; do echo "- $n"; done
  fi
} >"$results/summary.md"

if [ "$have_gnuplot" = 1 ]; then
  awk -F'\t' '{ gsub(/"/, "", $1); printf "%d\t\"%s\"\t%.3f\n", NR - 1, $1, $2 * 1e3 }' \
    "$work/rows.tsv" >"$work/medians.dat"
  gnuplot <<GNUPLOT || note "gnuplot failed: no chart"
set terminal $chart_terminal size 1000,$((120 + 40 * ${#names[@]})) font "sans,11"
set output "$results/$chart"
set title "container start, median of $((per_pass * PASSES)) runs (ms, lower is better)"
set style fill solid 0.8 border -1
set boxwidth 0.6 relative
set yrange [${#names[@]}-0.4:-0.6]
set xrange [0:*]
set offsets 0, graph 0.12, 0, 0
set ytics scale 0
set grid xtics
set lmargin 48
unset key
plot "$work/medians.dat" using (\$3/2):1:(\$3/2):(0.3):ytic(2) with boxxyerror lc rgb "#4682b4", \
     "" using 3:1:(sprintf(" %.2f", \$3)) with labels left
GNUPLOT
else
  note "gnuplot is not installed (apt-get install -y gnuplot-nox): no chart"
fi

echo
cat "$results/summary.md"
echo
echo "results: $results"
