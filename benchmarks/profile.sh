#!/usr/bin/env bash
# profile.sh [POCKER_BIN]: where the time of one `pocker run --rm` goes.
#
#   benchmarks/profile.sh                       # the build's pocker
#   RUNS=50 benchmarks/profile.sh /path/to/pocker
#   ARGS='--memory 64m --cpus 1' benchmarks/profile.sh
#
# Runs `pocker --trace-time --root DIR run --rm $ARGS busybox true` RUNS
# times (default 30, after 3 warm-up runs), puts each trace line into a
# phase, and prints a markdown table: the median time of each phase, from the
# line that ends the phase before it to its own last line. The trace clock
# starts when pocker is loaded, so the first phase is pocker's own start.
# The store is a private directory, removed at the end. Needs root, and a
# pocker with --trace-time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
RUNS=${RUNS:-30}
ARGS=${ARGS:---memory 64m --cpus 1}
pocker=${1:-${POCKER:-$repo/build/pocker/pocker}}

die() { echo "profile.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[ -x "$pocker" ] || die "no pocker binary at $pocker"
"$pocker" --help 2>&1 | grep -q -- --trace-time || die "$pocker has no --trace-time"

root=$(mktemp -d /tmp/pocker-profile-XXXXXX)
traces=$(mktemp -d /tmp/pocker-profile-traces-XXXXXX)
trap 'rm -rf "$root" "$traces"' EXIT

# shellcheck disable=SC2086  # ARGS is a list of flags
for i in $(seq -3 "$RUNS"); do
  "$pocker" --root "$root" --trace-time run --rm $ARGS busybox true 2>"$traces/$i" >/dev/null ||
    die "run $i failed: $(grep -v '^+ ' "$traces/$i" | head -1)"
done

echo "pocker --trace-time run --rm $ARGS busybox true: medians of $RUNS runs"
echo
# Each line: "+ [   1.234 ms] text". A phase ends at its last line; the
# phase of a line is the first pattern below that matches its text. The
# first awk prints one "order<TAB>phase<TAB>ms" line per phase and run, the
# second takes the median of each phase over the runs.
for i in $(seq 1 "$RUNS"); do cat "$traces/$i"; echo "+ [end]"; done | awk '
  function phase(text) {
    if (text ~ /^write .*\/names\// || text ~ /config\.json/ || text ~ /^\$C = /) return "name and config.json"
    if (text ~ /^seccomp: /) return "seccomp: compile, or read the cache"
    if ((text ~ /^(mkdir|write|open) .*cgroup/ && !seen_clone) || text ~ /^removed stale cgroup|^bpf\(|^device cgroup/) return "cgroup: make and limit (and the device rules)"
    if (text ~ /^clone3/) return "clone3 with the new namespaces"
    if (text ~ /^(ipam |rtnetlink |bridge |network: )/) return "network: lease, veth, address, route (and the release)"
    if (text ~ /^nft |^(add|delete|list|flush) (table|chain|rule|element)|^EOF|^ip_forward|^sysctl/) return "network: NAT rules, one nftables transaction at start and at end"
    if (text ~ /^wrote .*hosts/) return "names: /etc/hosts, hostname, resolv.conf"
    if (text ~ /\/tasks "0"|cgroup\.procs/) return "child: join the cgroup"
    if (text ~ /^unshare\(CLONE_NEWCGROUP|^sethostname|^ioctl/) return "child: cgroupns, hostname, lo up"
    if (text ~ /^pivot_root|^umount2/) return "child: pivot_root, detach the old root"
    if (text ~ /^(mount|mknod|symlink|open_tree|move_mount)/) return "child: root, /proc, /dev, /sys, cgroup view"
    if (text ~ /^(prctl|capset|seccomp\(|close_range)/) return "child: capabilities, seccomp, descriptors"
    if (text ~ /^execve|is running/) return "exec the command"
    if (text ~ /state\.json/) return "state.json: running (parent, while the command runs)"
    if (text ~ /exited/) return "the command runs and exits"
    if (text ~ /^(rmdir|kill\()/) return "cgroup: remove"
    if (text ~ /^remove /) return "remove the container directory"
    return "other"
  }
  function add(name, d) {
    if (!(name in order)) order[name] = ++n
    run_sum[name] += d
  }
  /^\+ \[end\]/ {
    for (name in run_sum) printf "%d\t%s\t%.4f\n", order[name], name, run_sum[name]
    printf "%d\t%s\t%.4f\n", 999, "total (pocker start to its last line)", last
    split("", run_sum); seen_clone = 0; last = 0; next
  }
  /^\+ \[ *[0-9.]+ ms\] / {
    t = $3 + 0
    text = $0; sub(/^\+ \[ *[0-9.]+ ms\] /, "", text)
    if (last == 0) add("pocker starts, reads its flags", t)
    else add(phase(text), t - last)
    if (text ~ /^clone3/) seen_clone = 1
    last = t
  }' | sort -t "$(printf '\t')" -k1,1n -k3,3g | awk -F '\t' '
  { v[$1, ++c[$1]] = $3; name[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; keys[++n] = $1 } }
  END {
    print "| phase | median ms |"
    print "|---|---:|"
    for (i = 1; i <= n; i++) {
      k = keys[i]; m = v[k, int((c[k] + 1) / 2)]
      if (k == 999) printf "| **%s** | **%.3f** |\n", name[k], m
      else printf "| %s | %.3f |\n", name[k], m
    }
  }'
