#!/usr/bin/env bash
# registry_pull.sh [POCKER_BIN]: `pocker pull` (download, verify, unpack) of a ~100 MB image from a
# local docker-registry, next to `skopeo copy` + `umoci unpack` of the same image, in one run.
#
#   sudo benchmarks/registry_pull.sh                  # the build's pocker, 3 rounds
#   ROUNDS=5 sudo benchmarks/registry_pull.sh /path/to/pocker
#
# The image: one gzip layer of about 100 MB uncompressed (1100 files of /usr/bin and
# /usr/lib/x86_64-linux-gnu, busybox as /bin/sh), imported by pocker, pushed by skopeo. Target
# (issue 16): pocker's pull + unpack within half of skopeo copy + umoci unpack. Needs root,
# docker-registry, skopeo and umoci; leaves nothing behind.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pocker=${1:-${POCKER:-$(dirname "$here")/build/pocker/pocker}}
ROUNDS=${ROUNDS:-3}
for tool in /usr/bin/docker-registry skopeo umoci; do
  command -v "$tool" >/dev/null || { echo "registry_pull.sh: $tool is missing" >&2; exit 1; }
done

work=$(mktemp -d /tmp/pocker-registry-bench-XXXXXX)
registry_pid=""
trap '[ -n "$registry_pid" ] && kill $registry_pid; rm -rf "$work"' EXIT

port=$((20000 + $$ % 20000))
while curl -s -o /dev/null "http://127.0.0.1:$port/"; do port=$((port + 1)); done
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/storage\nhttp:\n  addr: 127.0.0.1:%s\n' \
  "$work" "$port" > "$work/registry.yml"
/usr/bin/docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done

# The image: files up to ~104 MB.
mkdir -p "$work/tree/bin" "$work/tree/usr/bin"
cp /bin/busybox "$work/tree/bin/" 2>/dev/null || true
total=0
while read -r f; do
  size=$(stat -c %s "$f")
  total=$((total + size))
  [ $total -gt 104000000 ] && break
  cp "$f" "$work/tree/usr/bin/"
done < <(find /usr/bin /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -size -3M | sort)
tar -C "$work/tree" -czf "$work/image.tar.gz" .
rm -rf "$work/tree"
"$pocker" --root "$work/source" import "$work/image.tar.gz" bench/big:1 >/dev/null
ref="127.0.0.1:$port/bench/big:1"
skopeo copy -q --dest-tls-verify=false "oci:$work/source/images/oci:docker.io/bench/big:1" "docker://$ref"
echo "image: $(du -m "$work/image.tar.gz" | cut -f1) MB gzip, $(gzip -l "$work/image.tar.gz" | awk 'NR==2 {print int($2 / 1e6)}') MB tar"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
sum_p=0 sum_s=0
for round in $(seq "$ROUNDS"); do
  sync
  t=$(date +%s%N)
  "$pocker" --root "$work/p" pull -q "$ref" >/dev/null
  p=$(ms "$t")
  sync
  t=$(date +%s%N)
  skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$work/s:big" >/dev/null
  umoci unpack --image "$work/s:big" "$work/bundle" >/dev/null 2>&1
  s=$(ms "$t")
  echo "round $round: pocker pull ${p} ms, skopeo copy + umoci unpack ${s} ms"
  sum_p=$((sum_p + p)) sum_s=$((sum_s + s))
  rm -rf "$work/p" "$work/s" "$work/bundle"
done
echo "mean: pocker ${sum_p}/${ROUNDS} ms, skopeo + umoci ${sum_s}/${ROUNDS} ms, ratio $(awk "BEGIN {printf \"%.2f\", $sum_p / $sum_s}") (target <= 0.50)"
