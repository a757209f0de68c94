#!/bin/sh
# Image benchmarks, side by side in one run (root; hyperfine, umoci, bsdtar):
#
#   unpack   the Debian image's layer unpacked on a tmpfs by pocker (digest and diff_id checked,
#            the safe unpacker), by `umoci unpack` (digests checked) and by `bsdtar -x` (nothing
#            checked: the floor)
#   load     `pocker load` of the Debian OCI archive: blobs staged and checked, the layer unpacked
#   first    the first `run --rm` of a freshly loaded image (its layer already unpacked by load)
#   layers   `run --rm` on a 1-layer image and on the same files in 10 layers
#
# Usage: benchmarks/images.sh [POCKER_BIN]   (RUNS=N, default 5)
# Needs the Debian archive of `make images` (POCKER_IMAGE_CACHE, default /var/cache/pocker-images).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
POCKER=$(readlink -f "${1:-$here/../build/pocker/pocker}")
CACHE=${POCKER_IMAGE_CACHE:-/var/cache/pocker-images}
RUNS=${RUNS:-5}
archive=$(readlink -f "$CACHE/debian.tar" 2>/dev/null || true)
if [ -z "$archive" ] || [ ! -s "$archive" ]; then
  echo "images.sh: no $CACHE/debian.tar: run make images first" >&2
  exit 77
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

work=$(mktemp -d /tmp/pocker-bench-images-XXXXXX)
mount -t tmpfs -o size=4g tmpfs "$work"
trap 'umount -l "$work" || true; rmdir "$work" || true' EXIT
mkdir "$work/layout"
tar -C "$work/layout" -xf "$archive"
manifest=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$work/layout/index.json" | head -n 1)
layer=$(tr ',' '\n' < "$work/layout/blobs/sha256/$manifest" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' | tail -n 1)
ref=$(sed -n 's/.*"org.opencontainers.image.ref.name":"\([^"]*\)".*/\1/p' "$work/layout/index.json" | head -n 1)
echo "image: $ref, layer $(stat -c %s "$work/layout/blobs/sha256/$layer") bytes"

P="$POCKER --root $work/store"
$P load -q -i "$archive"
hyperfine --style basic --runs "$RUNS" --export-markdown "$work/unpack.md" \
  --prepare "rm -rf $work/store/images/layers $work/u $work/b" \
  -n "pocker (run, layer unpacked first)" "$P run --rm --network none $ref true" \
  -n "umoci unpack" "umoci unpack --image $work/layout:$ref $work/u" \
  -n "bsdtar -x (unchecked)" "mkdir $work/b && bsdtar -C $work/b -xf $work/layout/blobs/sha256/$layer"
hyperfine --style basic --runs "$RUNS" \
  --prepare "$P image prune -a -f >/dev/null" \
  -n "pocker load" "$P load -q -i $archive"
$P load -q -i "$archive"
hyperfine --style basic --runs "$RUNS" --export-markdown "$work/first.md" \
  --prepare "$P rmi $ref >/dev/null; $P load -q -i $archive" \
  -n "first run after load" "$P run --rm --network none $ref true" \
  -n "warm run" "$P run --rm --network none $ref true"

# Ten layers against one: the same files (busybox and nine small ones), as OCI archives made here.
mkdir -p "$work/ten/oci/blobs/sha256" "$work/one/oci/blobs/sha256" "$work/files/bin"
cp /bin/busybox "$work/files/bin/"
mklayer() { # DIR NAMES...: a tar of those names under $work/files into DIR's blobs; prints its digest
  dir=$1; shift
  tar -C "$work/files" -cf "$work/l.tar" "$@"
  d=$(sha256sum "$work/l.tar" | cut -c1-64); cp "$work/l.tar" "$dir/oci/blobs/sha256/$d"; echo "$d"
}
mkimage() { # DIR NAME LAYER...: config, manifest and index for those layers
  dir=$1 name=$2; shift 2
  ids=""; layers=""
  for d in "$@"; do
    ids="$ids${ids:+,}\"sha256:$d\""
    layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$d\",\"size\":$(stat -c %s "$dir/oci/blobs/sha256/$d")}"
  done
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%s]}}' "$ids" > "$work/c"
  c=$(sha256sum "$work/c" | cut -c1-64); cp "$work/c" "$dir/oci/blobs/sha256/$c"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$c" "$(stat -c %s "$work/c")" "$layers" > "$work/m"
  m=$(sha256sum "$work/m" | cut -c1-64); cp "$work/m" "$dir/oci/blobs/sha256/$m"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$m" "$(stat -c %s "$work/m")" "$name" > "$dir/oci/index.json"
  tar -C "$dir/oci" -cf "$dir.tar" .
}
for i in 1 2 3 4 5 6 7 8 9; do echo "$i" > "$work/files/f$i"; done
ten=$(mklayer "$work/ten" bin)
for i in 1 2 3 4 5 6 7 8 9; do ten="$ten $(mklayer "$work/ten" "f$i")"; done
# shellcheck disable=SC2086
mkimage "$work/ten" bench/ten:1 $ten
mkimage "$work/one" bench/one:1 "$(mklayer "$work/one" bin f1 f2 f3 f4 f5 f6 f7 f8 f9)"
$P load -q -i "$work/ten.tar"
$P load -q -i "$work/one.tar"
hyperfine --style basic --runs "$((RUNS * 4))" --warmup 2 --export-markdown "$work/layers.md" \
  -n "1 layer" "$P run --rm --network none bench/one:1 /bin/busybox true" \
  -n "10 layers" "$P run --rm --network none bench/ten:1 /bin/busybox true"
for table in unpack first layers; do cat "$work/$table.md"; echo; done
