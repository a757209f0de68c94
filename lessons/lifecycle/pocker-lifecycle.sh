#!/bin/sh
# lifecycle step 1 and 7: one detached container, from run -d to rm.
#
#   sudo sh lessons/lifecycle/pocker-lifecycle.sh build/pocker/pocker /tmp/lifecycle-root
#
# $1: the pocker binary, $2: a --root of its own. Each line that starts with
# "+" is a command, as you would type it.
set -u
pocker=$1
root=$2
name=lc-flow
p() { echo "+ pocker $*"; "$pocker" --root "$root" "$@"; }

# Whatever happens below, the container goes away at the end.
trap '"$pocker" --root "$root" rm -f $name >/dev/null 2>&1' EXIT
"$pocker" --root "$root" rm -f $name >/dev/null 2>&1

p run -d --name $name busybox sh -c 'echo hello from $(hostname) && while true; do sleep 1; done' || exit 1
id=$("$pocker" --root "$root" inspect $name | sed -n 's/^  "Id": "\(.*\)",$/\1/p')

echo "+ ls <root>/containers/<id>"
ls "$root/containers/$id"
echo "+ ps -o comm= -p <monitor>"
monitor=$(sed -n 's/^  "monitor": \([0-9]*\),$/\1/p' "$root/containers/$id/state.json")
ps -o comm= -p "$monitor"

p ps
sleep 0.3  # give the shell time to print its first line
p logs $name
p exec $name ps -o pid,ppid,comm
p inspect $name | grep -E '"(Status|Running|ExitCode)"'

# The shell is PID 1 and has no handler for SIGTERM: stop waits 1 second,
# then sends SIGKILL.
start=$(date +%s%N)
p stop -t 1 $name
end=$(date +%s%N)
echo "stop took $(( (end - start) / 1000000 )) ms"

p ps -a
p wait $name
p inspect $name | grep -E '"(Status|Running|ExitCode)"'
p rm $name
p ps -a
