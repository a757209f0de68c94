#!/bin/sh
# lv2 step 5: watching and steering a running container through its cgroup.
#
#   sudo sh lessons/lv2-cgroups/pocker-control.sh build/pocker/pocker /tmp/lv2-control-root
#
# $1: the pocker binary, $2: a --root of its own. Each line that starts with
# "+" is a command, as you would type it.
set -u
pocker=$1
root=$2
name=lv2-burn
p() { echo "+ pocker $*"; "$pocker" --root "$root" "$@"; }

trap '"$pocker" --root "$root" rm -f $name >/dev/null 2>&1' EXIT
"$pocker" --root "$root" rm -f $name >/dev/null 2>&1

p run -d --name $name --memory 64m busybox sh -c 'while true; do :; done' >/dev/null || exit 1
pid=$("$pocker" --root "$root" inspect $name | sed -n 's/^ *"Pid": \([0-9]*\),*$/\1/p')
id=$("$pocker" --root "$root" inspect $name | sed -n 's/^  "Id": "\(.*\)",$/\1/p')
# utime + stime of the container's first process, in clock ticks (proc(5)).
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

p stats --no-stream --format 'table {{.Name}}\t{{.MemUsage}}\t{{.PIDs}}'
p top $name | sed 's/  */ /g'
p pause $name
before=$(ticks); sleep 0.5; after=$(ticks)
echo "CPU ticks in 0.5 s while paused: $((after - before))"
# v1 and hybrid: the freezer hierarchy; v2: cgroup.freeze in the one directory.
echo "+ cat <the container's freezer file>"
cat "/sys/fs/cgroup/freezer/pocker/$id/freezer.state" 2>/dev/null ||
  cat "/sys/fs/cgroup/pocker/$id/cgroup.freeze"
p ps | sed 's/  */ /g'
p unpause $name
before=$(ticks); sleep 0.5; after=$(ticks)
[ $((after - before)) -gt 0 ] && echo "CPU ticks in 0.5 s after unpause: more than 0"
p rm -f $name
