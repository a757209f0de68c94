#!/bin/sh
# The images lesson, every step that runs: a one-layer image made by hand,
# an overlay of two layers with a whiteout, the OCI layout, tag, config.
#
#   sudo sh lessons/images/pocker-images.sh build/pocker/pocker /tmp/images-lesson
#
# $1: the pocker binary, $2: a directory of its own (the store and scratch).
set -u
pocker=$1
work=$2
root=$work/root
P() { echo "+ pocker $*"; "$pocker" --root "$root" "$@"; }

rm -rf "$work"
mkdir -p "$work"
trap 'umount "$work/ov/mnt" 2>/dev/null; rm -rf "$work"' EXIT

echo "# step 1: a layer is a tar of a directory"
mkdir -p "$work/tiny/bin" && cp /bin/busybox "$work/tiny/bin/" && echo hello > "$work/tiny/hello.txt"
tar -C "$work/tiny" -cf "$work/tiny.tar" .
P import "$work/tiny.tar" tiny:1 >/dev/null
P run --rm tiny:1 /bin/busybox cat /hello.txt

echo "# step 3: an overlay of two layers, the top one with a whiteout"
mkdir -p "$work/ov/l1" "$work/ov/l2" "$work/ov/up" "$work/ov/work" "$work/ov/mnt"
echo old > "$work/ov/l1/a"; echo gone > "$work/ov/l1/b"
echo new > "$work/ov/l2/a"; mknod "$work/ov/l2/b" c 0 0
mount -t overlay overlay -o "lowerdir=$work/ov/l2:$work/ov/l1,upperdir=$work/ov/up,workdir=$work/ov/work" "$work/ov/mnt"
echo "a: $(cat "$work/ov/mnt/a")"
echo "files: $(ls "$work/ov/mnt" | tr '\n' ' ')"
umount "$work/ov/mnt"

echo "# step 4: the OCI layout"
P run --rm busybox true
ls "$root/images/oci"
echo "blobs: $(ls "$root/images/oci/blobs/sha256" | wc -l)"
grep -o '"org.opencontainers.image.ref.name": *"[^"]*"' "$root/images/oci/index.json"
P tag busybox mybox:1
P images | sed 's/  */ /g'

echo "# step 5: the config"
P import --change 'CMD ["/bin/busybox","sh","-c","echo $GREETING; pwd"]' \
  --change 'ENV GREETING=hi' --change 'WORKDIR /work' "$work/tiny.tar" tiny:2 >/dev/null
P run --rm tiny:2
P run --rm -e GREETING=yo -w /tmp tiny:2

echo "# step 6: save, load, and garbage"
P save -o "$work/tiny2.tar" tiny:2
tar -tf "$work/tiny2.tar" | grep -v '^blobs/sha256/.'
P rmi tiny:2 | sed 's/sha256:[0-9a-f]*/sha256:.../'
P load -i "$work/tiny2.tar"
P run --rm tiny:2
P image prune -f
