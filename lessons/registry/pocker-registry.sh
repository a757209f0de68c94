#!/bin/sh
# The registry lesson, every step that runs: Debian's docker-registry on a loopback port, pocker
# pushing and pulling with --trace, a blob changed inside the registry, and a registry that wants
# a login (htpasswd).
#
#   sudo sh lessons/registry/pocker-registry.sh build/pocker/pocker /tmp/registry-lesson
#
# $1: the pocker binary, $2: a directory of its own (stores, registry storage, scratch).
# Needs docker-registry, curl and perl (Debian packages).
set -u
pocker=$1
work=$2
P() { echo "+ pocker $*"; "$pocker" --root "$work/a" "$@"; }
P2() { echo "+ pocker $*"; "$pocker" --root "$work/b" "$@"; }

for tool in /usr/bin/docker-registry curl perl; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is missing"; exit 77; }
done

rm -rf "$work"
mkdir -p "$work"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$work"' EXIT
# Credentials of this lesson only, never the caller's.
export POCKER_AUTH_FILE="$work/auth.json" DOCKER_CONFIG="$work/docker"

# A free port: the first that nothing answers on.
free_port() {
  port=$((20000 + $$ % 20000))
  while curl -s -o /dev/null "http://127.0.0.1:$port/"; do port=$((port + 1)); done
  echo $port
}

# start_registry NAME [HTPASSWD]: sets $host to the registry's host:port once it answers. Not in
# a $(...) subshell: the trap must know the registry's pid to stop it.
start_registry() {
  port=$(free_port)
  {
    printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$work/$1"
    printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
    if [ $# -ge 2 ]; then printf 'auth:\n  htpasswd:\n    realm: lesson\n    path: %s\n' "$2"; fi
  } > "$work/$1.yml"
  /usr/bin/docker-registry serve "$work/$1.yml" >"$work/$1.log" 2>&1 &
  pids="$pids $!"
  i=0
  while ! curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  host="127.0.0.1:$port"
}

start_registry storage
reg=$host

echo "# step 1: what a registry stores"
P run --rm busybox true
P tag busybox "$reg/lesson/busybox:1"
P push "$reg/lesson/busybox:1" >/dev/null
cd "$work/storage/docker/registry/v2" || exit 1
find repositories -path '*_manifests/tags/*/current/link' | sort
echo "tag 1 names: $(cat repositories/lesson/busybox/_manifests/tags/1/current/link)"
echo "blobs: $(find blobs -name data | wc -l)"
cd - >/dev/null

echo "# step 2: the HTTP calls of a pull"
P2 --trace pull -q "$reg/lesson/busybox:1" 2>&1 | grep -E '^(\+ HTTP|[^+])' | sed "s/$reg/REGISTRY/"
P2 run --rm "$reg/lesson/busybox:1" echo pulled and running

echo "# step 3: the HTTP calls of a push"
P2 tag "$reg/lesson/busybox:1" "$reg/other/busybox:1"
P2 --trace push "$reg/other/busybox:1" 2>&1 | grep -E '^\+ HTTP|: (Mounted|Pushed|digest)' | sed "s/$reg/REGISTRY/"

echo "# step 4: digests as trust"
layer=$(find "$work/storage/docker/registry/v2/blobs" -name data -size +100k)
printf 'X' | dd of="$layer" bs=1 seek=1000 conv=notrunc 2>/dev/null
"$pocker" --root "$work/c" pull "$reg/lesson/busybox:1" >/dev/null 2>"$work/err"
echo "exit status: $?"
sed -n 's/^pocker: .*\(digest mismatch\).*/refused: \1/p' "$work/err"
echo "blobs kept: $(ls "$work/c/images/oci/blobs/sha256" 2>/dev/null | wc -l)"

echo "# step 5: tokens and logins"
hash=$(perl -e 'print crypt($ARGV[0], q($2y$05$) . join("", map { (q(a)..q(z))[rand 26] } 1..22))' s3cret)
echo "student:$hash" > "$work/htpasswd"
start_registry secret "$work/htpasswd"
sreg=$host
curl -si "http://$sreg/v2/" | tr -d '\r' | grep -i -E '^(HTTP|www-authenticate)'
P tag busybox "$sreg/lesson/busybox:1"
P push "$sreg/lesson/busybox:1" 2>&1 | sed "s/$sreg/REGISTRY/"
echo s3cret | P login -u student --password-stdin "$sreg"
P push "$sreg/lesson/busybox:1" | tail -n 1
echo "file mode: $(stat -c %a "$POCKER_AUTH_FILE")"
P logout "$sreg" | sed "s/$sreg/REGISTRY/"
