#!/usr/bin/env bash
# network_throughput.sh [POCKER_BIN]: TCP throughput of pocker's network
# paths, by iperf3 (Debian), one stream each (see benchmarks/README.md,
# "Network throughput"):
#
#   loopback                 the host's 127.0.0.1, for reference
#   container <-> container  two containers on the default bridge (veth, bridge, veth)
#   host -> container, DNAT  to a port published on every address, through the
#                            gateway address (nftables DNAT in the output chain)
#   host -> container, fwd   to a port published on 127.0.0.1 (pocker's splice forwarder)
#
# The iperf3 ends that belong to a container run in its network namespace
# (nsenter --net): the busybox image has no iperf3, and the path measured is
# the namespace's, whatever program sits at its end. Traffic stays on
# 127.0.0.1 and pocker's bridge. Needs root. Environment: SECONDS_PER_ROW
# (default 5). Prints a table; the issue's targets are checked at the end:
# container <-> container at least 0.5 x loopback, the forwarder at least
# 3 Gbit/s.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pocker=${1:-${POCKER:-$(dirname "$here")/build/pocker/pocker}}
secs=${SECONDS_PER_ROW:-5}
die() { echo "network_throughput.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (bridge networks and nsenter)"
command -v iperf3 >/dev/null || die "iperf3 is not installed (apt-get install -y iperf3)"
command -v nsenter >/dev/null || die "nsenter (util-linux) is missing"
[ -x "$pocker" ] || die "no pocker binary at $pocker"

root=$(mktemp -d /tmp/pocker-bench-tput-XXXXXX)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$pocker" --root "$root" rm -f server client >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT

p() { "$pocker" --root "$root" "$@"; }
pid_of() { p inspect -f '{{.State.Pid}}' "$1"; }
ip_of() { p inspect -f '{{.NetworkSettings.IPAddress}}' "$1"; }
# A server in the namespace of process $1 (or the host's with "host"), on port $2.
serve() {
  if [ "$1" = host ]; then iperf3 -s -1 -B 127.0.0.1 -p "$2" >/dev/null 2>&1 &
  else nsenter --net="/proc/$1/ns/net" iperf3 -s -1 -p "$2" >/dev/null 2>&1 &
  fi
  servers+=($!)
  sleep 0.3
}
# Gbit/s received by one client run: $1 = namespace pid or "host", then iperf3 -c arguments.
measure() {
  local where=$1; shift
  local json
  if [ "$where" = host ]; then json=$(iperf3 -J -t "$secs" -c "$@")
  else json=$(nsenter --net="/proc/$where/ns/net" iperf3 -J -t "$secs" -c "$@")
  fi
  awk -v bps="$(printf %s "$json" | grep -o '"bits_per_second":[[:space:]]*[0-9.e+]*' | tail -n1 | grep -o '[0-9.e+]*$')" \
    'BEGIN { printf "%.2f", bps / 1e9 }'
}

p run -d --name server -p 5301:5201 -p 127.0.0.1:5302:5201 busybox sleep 3600 >/dev/null
p run -d --name client busybox sleep 3600 >/dev/null
server_pid=$(pid_of server); client_pid=$(pid_of client); server_ip=$(ip_of server)

serve host 5299;          loopback=$(measure host 127.0.0.1 -p 5299)
serve "$server_pid" 5201; c2c=$(measure "$client_pid" "$server_ip" -p 5201)
serve "$server_pid" 5201; dnat=$(measure host 172.29.0.1 -p 5301)
serve "$server_pid" 5201; fwd=$(measure host 127.0.0.1 -p 5302)

ratio=$(awk -v a="$c2c" -v b="$loopback" 'BEGIN { printf "%.2f", a / b }')
echo "| path | Gbit/s |"
echo "|---|---:|"
echo "| loopback (127.0.0.1) | $loopback |"
echo "| container <-> container (bridge) | $c2c ($ratio x loopback) |"
echo "| host -> container, DNAT (0.0.0.0:5301 via 172.29.0.1) | $dnat |"
echo "| host -> container, forwarder (127.0.0.1:5302) | $fwd |"
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.5) }' && echo "- PASS: container <-> container >= 0.5 x loopback" ||
  echo "- FAIL: container <-> container < 0.5 x loopback"
awk -v f="$fwd" 'BEGIN { exit !(f >= 3) }' && echo "- PASS: forwarder >= 3 Gbit/s" || echo "- FAIL: forwarder < 3 Gbit/s"
