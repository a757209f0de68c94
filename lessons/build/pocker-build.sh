#!/bin/sh
# The build lesson, every step that runs: a layer from an upper directory,
# one RUN, the cache, stages and --target, and why `RUN cd` does not last.
#
#   sudo sh lessons/build/pocker-build.sh build/pocker/pocker /tmp/build-lesson
#
# $1: the pocker binary, $2: a directory of its own (the store and contexts).
set -u
pocker=$1
work=$2
root=$work/root
P() { echo "+ pocker $*"; "$pocker" --root "$root" "$@"; }

rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

echo "# step 1: a layer by hand, from an upper directory"
P run --name lesson-c busybox sh -c 'echo hello > /hello.txt && rm /bin/vi'
upper=$(ls -d "$root"/containers/*/upper)
ls -l "$upper/bin/vi" | sed 's/  */ /g' | cut -d' ' -f1,5,6
P commit lesson-c step1 >/dev/null
for blob in "$root"/images/oci/blobs/sha256/*; do
  if tar -tzf "$blob" 2>/dev/null | grep -q '\.wh\.vi$'; then tar -tzf "$blob" | sort; fi
done
P run --rm step1 sh -c 'cat /hello.txt && ls /bin/vi'
P rm lesson-c >/dev/null

echo "# step 2: one RUN"
mkdir -p "$work/ctx"
cat > "$work/ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
COPY note.txt /note.txt
RUN echo "built by RUN" > /built.txt
DOCKERFILE
echo "a note" > "$work/ctx/note.txt"
P build -t step2 "$work/ctx"
P run --rm step2 cat /built.txt /note.txt

echo "# step 3: the cache key"
P build -t step2 "$work/ctx" | grep -c CACHED
echo "another note" > "$work/ctx/note.txt"
P build -t step2 "$work/ctx" | grep -c CACHED

echo "# step 4: stages and --target"
mkdir -p "$work/stages"
cat > "$work/stages/Dockerfile" <<'DOCKERFILE'
FROM busybox AS build
RUN mkdir /out && echo "made in the build stage" > /out/result.txt

FROM build AS development
RUN echo "development tools here" > /dev-tools.txt

FROM scratch AS release
COPY --from=build /out/result.txt /result.txt
COPY --from=busybox /bin/busybox /busybox
ENTRYPOINT ["/busybox"]
CMD ["cat", "/result.txt"]
DOCKERFILE
P build -t step4 "$work/stages" | grep '^\[' | sed 's/^/  /'
P run --rm step4
P run --rm step4 ls /
P build -t step4-dev --target development "$work/stages" | grep '^\[' | sed 's/^/  /'
P run --rm step4-dev cat /dev-tools.txt

echo "# step 5: why RUN cd does not persist"
mkdir -p "$work/cd"
cat > "$work/cd/Dockerfile" <<'DOCKERFILE'
FROM busybox
RUN cd /tmp && pwd > /first.txt
RUN pwd > /second.txt
WORKDIR /work
RUN pwd > /third.txt
DOCKERFILE
P build -q -t step5 "$work/cd" >/dev/null
P run --rm step5 cat /first.txt /second.txt /third.txt
