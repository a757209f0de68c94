#!/usr/bin/env bash
# registry_compare.sh [POCKER_BIN]: `pocker registry serve` next to Debian's
# docker-registry (distribution 2.8), with skopeo as the client of both:
# the same image pushed to each, then pulled back, timed once each.
#
#   benchmarks/registry_compare.sh                  # the build's pocker
#   SIZE_MB=200 benchmarks/registry_compare.sh      # a bigger image (default 100)
#
# The image: one layer of SIZE_MB of random bytes (incompressible, so the
# time is the servers' and the disks', not gzip's), kept uncompressed, in
# an OCI layout made by `pocker import`, pushed as it is (--preserve-digests:
# skopeo would otherwise gzip it on the way, and time gzip). Both servers listen on loopback
# with their own store in a temporary directory, removed at the end.
# Writes benchmarks/results/<date>-<host>/registry.md with the table.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BUILD=${BUILD:-$repo/build}
SIZE_MB=${SIZE_MB:-100}
pocker=$(readlink -f "${1:-${POCKER:-$BUILD/pocker/pocker}}")

die() { echo "registry_compare.sh: $*" >&2; exit 1; }
[ -x "$pocker" ] || die "no pocker binary at $pocker (build it, or pass its path)"
command -v skopeo >/dev/null || die "skopeo is not installed (apt-get install -y skopeo)"
command -v docker-registry >/dev/null || die "docker-registry is not installed (apt-get install -y docker-registry)"
[[ "$SIZE_MB" =~ ^[1-9][0-9]*$ ]] || die "SIZE_MB must be a positive number"

work=$(mktemp -d /tmp/pocker-registry-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # wait_port PORT
  for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/v2/" && return 0
    sleep 0.1
  done
  die "nothing answers on 127.0.0.1:$1"
}
seconds() { date +%s.%N; }

echo "making a ${SIZE_MB} MB image"
mkdir -p "$work/tree"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$work/tree/data"
tar -C "$work/tree" -cf "$work/image.tar" .
rm -rf "$work/tree"
"$pocker" --root "$work/src" import "$work/image.tar" bench/big:1 >/dev/null
rm -f "$work/image.tar"
source_ref="oci:$work/src/images/oci:docker.io/bench/big:1"

# pocker registry serve
port=$(free_port)
"$pocker" registry serve --addr "127.0.0.1:$port" --root "$work/pocker-store" >/dev/null 2>"$work/pocker.log" &
pids+=($!)
wait_port "$port"
pocker_port=$port

# docker-registry, with the smallest configuration that serves from a folder
port=$(free_port)
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/distribution-store
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry.yml" >/dev/null 2>"$work/distribution.log" &
pids+=($!)
wait_port "$port"
distribution_port=$port

rows=()
for server in pocker distribution; do
  port_var=${server}_port
  port=${!port_var}
  sync
  t0=$(seconds)
  skopeo copy -q --preserve-digests --dest-tls-verify=false "$source_ref" "docker://127.0.0.1:$port/bench/big:1"
  t1=$(seconds)
  skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$port/bench/big:1" "oci:$work/pulled-$server:big"
  t2=$(seconds)
  pushed=$(skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$port/bench/big:1" | sha256sum | cut -c1-12)
  push_s=$(echo "$t1 - $t0" | bc -l)
  pull_s=$(echo "$t2 - $t1" | bc -l)
  rows+=("$(printf '| %s | %.2f | %.0f | %.2f | %.0f | %s |' "$server" "$push_s" "$(echo "$SIZE_MB / $push_s" | bc -l)" \
    "$pull_s" "$(echo "$SIZE_MB / $pull_s" | bc -l)" "$pushed")")
  rm -rf "$work/pulled-$server"
done

out_dir=$here/results/$(date +%Y-%m-%d)-$(hostname)
mkdir -p "$out_dir"
{
  echo "# Registry servers, skopeo as the client ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "One image: one uncompressed layer of ${SIZE_MB} MB of random bytes. One run each; load average"
  echo "$(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores."
  echo
  echo "| server | push s | push MB/s | pull s | pull MB/s | manifest sha256 |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$out_dir/registry.md"
