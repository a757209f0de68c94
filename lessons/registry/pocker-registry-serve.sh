#!/bin/sh
# The registry lesson, "A registry of your own": every step that runs.
# A server on a free loopback port, a push by skopeo seen from the
# server's log, what the server stores, a pull by hand with curl, a chunk
# out of order, tags page by page, and a clean stop.
#
#   sudo sh lessons/registry/pocker-registry-serve.sh build/pocker/pocker /tmp/registry-lesson
#
# $1: the pocker binary, $2: a directory of its own (stores and scratch).
set -u
pocker=$1
work=$2
reg=$work/registry
server=

rm -rf "$work"
mkdir -p "$work"
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

echo "# step 1: start a registry (port 0: the kernel picks a free one)"
"$pocker" registry serve --addr 127.0.0.1:0 --root "$reg" --addr-file "$work/addr" \
  >"$work/server.out" 2>"$work/server.log" &
server=$!
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  [ -s "$work/addr" ] && break
  sleep 0.2
done
addr=$(cat "$work/addr")
cat "$work/server.out"
curl -s "http://$addr/v2/" && echo

echo "# step 2: a push, seen from the server's log"
mkdir -p "$work/tiny"
echo "hello from a registry" >"$work/tiny/hello.txt"
tar -C "$work/tiny" -cf "$work/tiny.tar" .
"$pocker" --root "$work/pocker" import "$work/tiny.tar" lesson/tiny:1 >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$work/pocker/images/oci:docker.io/lesson/tiny:1" \
  "docker://$addr/lesson/tiny:1"
# Method, path and status of each request; digests cut to 12 digits.
cut -d' ' -f3- "$work/server.log" | sed -E 's/(sha256(:|%3A)[0-9a-f]{12})[0-9a-f]{52}/\1/g; s/uploads\/[0-9a-f]{32}/uploads\/<id>/; s/ [0-9]+ [0-9.]+ms$//'

echo "# step 3: what the server stores"
ls "$reg"
(cd "$reg/repositories" && find . -type f | sed -E 's/[0-9a-f]{52}$//' | sort)
echo "tag 1 -> $(cat "$reg/repositories/lesson/tiny/_tags/1" | cut -c1-19)"

echo "# step 4: a pull by hand: the digest is the name and the proof"
curl -s -D "$work/headers" -o "$work/manifest" \
  -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$addr/v2/lesson/tiny/manifests/1"
said=$(tr -d '\r' <"$work/headers" | sed -n 's/^Docker-Content-Digest: //p')
got=sha256:$(sha256sum "$work/manifest" | cut -d' ' -f1)
[ "$said" = "$got" ] && echo "manifest digest checks: $(echo "$got" | cut -c1-19)"
layer=$(grep -o '"layers":\[{"mediaType":"[^"]*","digest":"[^"]*"' "$work/manifest" | sed 's/.*"digest":"//; s/"$//')
curl -s "http://$addr/v2/lesson/tiny/blobs/$layer" -o "$work/layer.tar"
[ "sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)" = "$layer" ] && echo "layer digest checks"
tar -xOf "$work/layer.tar" ./hello.txt

echo "# step 5: chunks must come in order"
loc=$(curl -s -D - -X POST "http://$addr/v2/lesson/tiny/blobs/uploads/" | tr -d '\r' | sed -n 's/^Location: //p')
printf 'hello ' >"$work/c1"
printf 'world' >"$work/c2"
curl -s -o /dev/null -w "PATCH 0-5: %{http_code}\n" -X PATCH -H "Content-Range: 0-5" --data-binary @"$work/c1" "http://$addr$loc"
curl -s -o /dev/null -w "PATCH 9-13: %{http_code}\n" -X PATCH -H "Content-Range: 9-13" --data-binary @"$work/c2" "http://$addr$loc"
curl -s -o /dev/null -w "PATCH 6-10: %{http_code}\n" -X PATCH -H "Content-Range: 6-10" --data-binary @"$work/c2" "http://$addr$loc"
digest=sha256:$(printf 'hello world' | sha256sum | cut -d' ' -f1)
curl -s -o /dev/null -w "PUT ?digest=: %{http_code}\n" -X PUT "http://$addr$loc?digest=$digest"

echo "# step 6: tags, sorted, page by page"
for tag in 3 2 latest; do
  skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
    "docker://$addr/lesson/tiny:1" "docker://$addr/lesson/tiny:$tag"
done
curl -s "http://$addr/v2/lesson/tiny/tags/list" && echo
curl -s -D "$work/page" "http://$addr/v2/lesson/tiny/tags/list?n=2" && echo
tr -d '\r' <"$work/page" | grep '^Link:'

echo "# step 7: a clean stop"
kill -TERM "$server"
wait "$server"
echo "exit status $?"
server=
tail -n 1 "$work/server.log"
