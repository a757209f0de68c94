#!/bin/sh
# Builds and runs examples/01-multi-stage offline, in a store of its own.
#
#   sudo sh examples/01-multi-stage/test.sh build/pocker/pocker /tmp/example-01
#
# The toolchain image comes from POCKER_TOOLCHAIN_TAR, the OCI archive of
# pocker-toolchain:bookworm that `make images` (tools/images/make-images.sh)
# keeps in its cache. Without it the test is skipped (exit 77).
set -u
pocker=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
POCKER_TOOLCHAIN_TAR=${POCKER_TOOLCHAIN_TAR:-/var/cache/pocker-images/toolchain.tar}
if [ ! -r "$POCKER_TOOLCHAIN_TAR" ]; then
  echo "skipped: no toolchain tar at $POCKER_TOOLCHAIN_TAR (make images, or set POCKER_TOOLCHAIN_TAR)"
  exit 77
fi
root=$work/root
P() { "$pocker" --root "$root" "$@"; }
rm -rf "$work"
mkdir -p "$work"
trap 'P rm -f example-web >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
set -e
P load -q -i "$POCKER_TOOLCHAIN_TAR" >/dev/null
P build --network none -t example-web "$here" | grep '^\[' 
P build --network none -t example-web "$here" | grep -c CACHED
P inspect example-web | grep -o '"8080/tcp"' | head -1
P run -d --name example-web --network none example-web >/dev/null
sleep 0.3
P exec example-web wget -q -O - http://127.0.0.1:8080/ | tee "$work/reply"
grep -q 'hello from a multi-stage build' "$work/reply"
P rm -f example-web >/dev/null
P build --network none -t example-web:dev --target development "$here" | grep '^\[' | tail -1
P run --rm --network none example-web:dev ls /server-debug
