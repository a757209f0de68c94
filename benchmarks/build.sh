#!/usr/bin/env bash
# build.sh [POCKER_BIN]: `pocker build` timed by hyperfine, beside `pocker run`
# and beside buildah (see benchmarks/README.md).
#
#   sudo benchmarks/build.sh                 # the build's pocker
#   RUNS=50 sudo benchmarks/build.sh         # more runs (default 20)
#
# Rows: a fully cached rebuild of a small Dockerfile (target: at most 0.2 s);
# a build whose only step is `RUN true`, against a build of the same
# Dockerfile without the RUN and against `pocker run --rm busybox true` (the
# RUN step's overhead, target: at most 1.5 times the run's); the same
# Dockerfile with `buildah bud` (chroot isolation, host network: this host has
# no runc, and crun refuses cgroup hybrid mode), cached and with --no-cache.
# Every store lives in a temporary directory, removed at the end.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
RUNS=${RUNS:-20}
P=$(readlink -f "${1:-${POCKER:-$repo/build/pocker/pocker}}")
[ "$(id -u)" -eq 0 ] || { echo "build.sh: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "build.sh: hyperfine is not installed" >&2; exit 1; }

work=$(mktemp -d /tmp/pocker-bench-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$work/small" "$work/noop" "$work/meta"
echo hi > "$work/small/hello.txt"
cat > "$work/small/Dockerfile" <<'DOCKERFILE'
FROM busybox
WORKDIR /app
COPY hello.txt .
RUN echo built > /app/built.txt
CMD ["cat", "/app/built.txt"]
DOCKERFILE
printf 'FROM busybox\nRUN true\n' > "$work/noop/Dockerfile"
printf 'FROM busybox\nCMD ["true"]\n' > "$work/meta/Dockerfile"
"$P" --root "$root" build -q -t bench-small "$work/small" >/dev/null

rows=(
  "$P --root $root build -q -t bench-small $work/small"
  "$P --root $root build -q --no-cache --network none $work/noop"
  "$P --root $root build -q --no-cache --network none $work/meta"
  "$P --root $root run --rm --network none busybox true"
)
if command -v buildah >/dev/null; then
  # The same Dockerfile, its base image read from pocker's own OCI layout.
  mkdir -p "$work/bsmall"
  cp "$work/small/hello.txt" "$work/bsmall/"
  sed "s|^FROM busybox|FROM oci:$root/images/oci:docker.io/library/busybox:latest|" \
    "$work/small/Dockerfile" > "$work/bsmall/Dockerfile"
  B="buildah --root $work/bh --runroot $work/bhrun --storage-driver overlay bud --isolation chroot -q -t bench-small"
  $B "$work/bsmall" >/dev/null
  rows+=("$B $work/bsmall" "$B --no-cache $work/bsmall"
         "$P --root $root build -q --no-cache --network host -t bench-small $work/small")
fi
hyperfine -N -w 3 -r "$RUNS" --export-markdown "$work/table.md" "${rows[@]}" >/dev/null
sed "s|$work|\$W|g; s|$P|pocker|g" "$work/table.md"
