#!/bin/sh
# Runs a program as a normal user: uid and gid N, no extra groups, no sudo.
# The step 7 tests use it, because ctest usually runs as root here.
#
#   sh lessons/lv1-namespaces/as-user.sh N PROGRAM [ARG...]      (run it as root)
#
# The program runs from a copy in a new directory in /tmp: the build tree may
# be in a home directory that user N cannot enter. The directory is also the
# user's HOME (so a rootless pocker keeps its images there), and it is
# removed at the end.
set -u
if [ $# -lt 2 ]; then
  echo "usage: as-user.sh UID PROGRAM [ARG...]" >&2
  exit 2
fi
id=$1 program=$2
shift 2

dir=$(mktemp -d /tmp/pocker-lesson-user.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP
cp "$program" "$dir/" && chown "$id:$id" "$dir" && chmod 755 "$dir" || exit 1

unset POCKER_ROOT XDG_DATA_HOME XDG_RUNTIME_DIR
HOME=$dir setpriv --reuid="$id" --regid="$id" --clear-groups \
  "$dir/$(basename "$program")" "$@"
