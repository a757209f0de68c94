#!/bin/sh
# Real base images, made offline-friendly: Debian 12 from the Debian archive this machine reaches,
# with mmdebstrap (no docker, no registry), each saved as an OCI archive in a cache outside the
# clone and loaded into a pocker store.
#
#   debian:bookworm             --variant=minbase (apt, bash, coreutils, ...)
#   pocker-toolchain:bookworm   the same with g++ and make, for build stages
#
# Usage: tools/images/make-images.sh [--cache-only] [NAME...]   (NAME: debian, toolchain; default both)
#   --cache-only   build the archives that are missing, load nothing
# Environment: POCKER (the binary, default build/pocker/pocker), POCKER_ROOT (the store to load
# into, default pocker's own), POCKER_IMAGE_CACHE (default /var/cache/pocker-images),
# POCKER_DEBIAN_MIRROR (default the first deb line apt uses, else http://deb.debian.org/debian).
#
# Each archive is <cache>/<key>.tar, key = sha256 of this script, the suite and the package list:
# change any of them and the image is built again; otherwise a second run only loads (seconds).
# <cache>/<name>.tar links to the current one: what the tests and benchmarks load.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
POCKER=${POCKER:-$here/../../build/pocker/pocker}
CACHE=${POCKER_IMAGE_CACHE:-/var/cache/pocker-images}
SUITE=bookworm
cache_only=false
names=""
for arg in "$@"; do
  case "$arg" in
    --cache-only) cache_only=true ;;
    debian|toolchain) names="$names $arg" ;;
    *) echo "make-images: unknown argument $arg (see the head of $0)" >&2; exit 2 ;;
  esac
done
[ -n "$names" ] || names="debian toolchain"

mirror=${POCKER_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p; s/^deb  *\(http[^ ]*debian\)  *.*/\1/p' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
fi

mkdir -p "$CACHE"
# One builder at a time per cache: two `make test` at once must not both run mmdebstrap.
exec 9>"$CACHE/.lock"
flock 9

# build NAME REF PACKAGES: <cache>/<key>.tar made if missing; prints its path.
build() {
  name=$1 ref=$2 packages=$3
  key=$( (cat "$0"; echo "$SUITE"; echo "$packages") | sha256sum | cut -c1-32)
  out=$CACHE/$key.tar
  if [ ! -s "$out" ]; then
    work=$(mktemp -d "$CACHE/.build-XXXXXX")
    trap 'rm -rf "$work"' EXIT
    echo "make-images: building $ref with mmdebstrap from $mirror (about a minute)" >&2
    include=""
    [ -z "$packages" ] || include="--include=$packages"
    # shellcheck disable=SC2086
    if ! mmdebstrap --quiet --variant=minbase $include --format=tar "$SUITE" "$work/rootfs.tar" \
        "$mirror" >"$work/log" 2>&1; then
      echo "make-images: mmdebstrap cannot build $ref (is $mirror reachable?):" >&2
      tail -n 3 "$work/log" >&2
      exit 3
    fi
    "$POCKER" --root "$work/store" import --change 'CMD ["bash"]' \
      --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
      "$work/rootfs.tar" "$ref" >/dev/null
    "$POCKER" --root "$work/store" save --format oci -o "$work/image.tar" "$ref"
    mv "$work/image.tar" "$out"
    rm -rf "$work"
    trap - EXIT
  fi
  ln -sfn "$key.tar" "$CACHE/$name.tar"
  echo "$out"
}

for name in $names; do
  case "$name" in
    debian) archive=$(build debian debian:bookworm "") ;;
    toolchain) archive=$(build toolchain pocker-toolchain:bookworm "g++,make") ;;
  esac
  if ! $cache_only; then
    # shellcheck disable=SC2086
    "$POCKER" ${POCKER_ROOT:+--root "$POCKER_ROOT"} load -i "$archive"
  fi
done
