#!/bin/sh
# lifecycle step 2: the same container, with and without --init.
#
#   sudo sh lessons/lifecycle/pocker-init.sh build/pocker/pocker /tmp/lifecycle-root [--init]
#
# $1: the pocker binary, $2: a --root of its own, $3: --init or nothing.
# The command starts a background sleep in a subshell that exits at once
# (the sleep is now an orphan), then replaces the shell with a long sleep.
# `sleep` as PID 1 never calls wait().
set -u
pocker=$1
root=$2
init=${3:-}
name=lc-zombie${init:+-init}
p() { echo "+ pocker $*"; "$pocker" --root "$root" "$@"; }

trap '"$pocker" --root "$root" rm -f $name >/dev/null 2>&1' EXIT
"$pocker" --root "$root" rm -f $name >/dev/null 2>&1

p run -d $init --name $name busybox sh -c '(sleep 0.2 &) && exec sleep 60' || exit 1
sleep 1
p exec $name ps -o pid,ppid,stat,comm

start=$(date +%s%N)
p stop -t 2 $name
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
if [ $ms -ge 2000 ]; then
  echo "stop took $ms ms: SIGTERM was ignored, SIGKILL after the timeout"
else
  echo "stop took $ms ms: SIGTERM was enough"
fi
p wait $name
p rm $name
