#!/bin/sh
# lifecycle step 4: -v, -v ...:ro, --tmpfs, --read-only, and cp.
#
#   sudo sh lessons/lifecycle/pocker-volumes.sh build/pocker/pocker /tmp/lifecycle-root
set -u
pocker=$1
root=$2
dir=$root/lc-volume
p() { echo "+ pocker $*"; "$pocker" --root "$root" "$@"; }

trap '"$pocker" --root "$root" rm -f lc-cp >/dev/null 2>&1
rm -rf "$dir"' EXIT
"$pocker" --root "$root" rm -f lc-cp >/dev/null 2>&1
rm -rf "$dir"
mkdir -p "$dir"
echo "from the host" > "$dir/host.txt"

p run --rm -v "$dir:/data" busybox sh -c 'cat /data/host.txt && echo "from the container" > /data/ctr.txt'
echo "+ cat $dir/ctr.txt   (on the host, after the container is gone)"
cat "$dir/ctr.txt"

p run --rm -v "$dir:/data:ro" busybox sh -c 'echo no > /data/ro.txt'
echo "status $?"

p run --rm --read-only --tmpfs /scratch busybox sh -c \
  'touch /x 2>&1 || echo "/ is read-only" && touch /scratch/x && echo "/scratch is writable"'

# cp: no volume needed, the container only has to exist.
p run -d --name lc-cp busybox sleep 30 >/dev/null || exit 1
p cp "$dir/host.txt" lc-cp:/tmp/copied.txt
p exec lc-cp cat /tmp/copied.txt
p exec lc-cp sh -c 'echo "made inside" > /tmp/inside.txt'
p cp lc-cp:/tmp/inside.txt "$dir/out.txt"
echo "+ cat $dir/out.txt"
cat "$dir/out.txt"
p rm -f lc-cp
