#!/bin/sh
# lifecycle step 5 and 6: attach to a detached container's stdin, then diff
# and export a container's files.
#
#   sudo sh lessons/lifecycle/pocker-attach.sh build/pocker/pocker /tmp/lifecycle-root
set -u
pocker=$1
root=$2
p() { echo "+ pocker $*"; "$pocker" --root "$root" "$@"; }

trap '"$pocker" --root "$root" rm -f lc-attach lc-diff >/dev/null 2>&1
"$pocker" --root "$root" rmi lc-exported:1 >/dev/null 2>&1
rm -f "$root/lc-diff.tar"' EXIT
"$pocker" --root "$root" rm -f lc-attach lc-diff >/dev/null 2>&1

# Step 5. -d -i: the monitor keeps the writing end of the container's stdin.
# The container waits for a line; only attach can give it one.
p run -d -i --name lc-attach busybox sh -c 'echo before; read line; echo "got $line"' >/dev/null || exit 1
sleep 0.5
p logs lc-attach
echo "+ echo typed | pocker attach lc-attach"
echo typed | "$pocker" --root "$root" attach lc-attach
echo "attach ended with status $?"
p logs lc-attach

# Step 6. What a container wrote, changed and deleted is its overlay's upper
# directory. /ready says that the command is done.
p run -d --name lc-diff busybox sh -c 'echo hi > /tmp/new; rm /etc/group; touch /ready; sleep 60' >/dev/null || exit 1
for i in 1 2 3 4 5 6 7 8 9 10; do
  "$pocker" --root "$root" diff lc-diff | grep -q '^A /ready$' && break
  sleep 0.5
done
p diff lc-diff
p export -o "$root/lc-diff.tar" lc-diff
echo "the tar holds $(tar -tf "$root/lc-diff.tar" | wc -l) names, /proc empty: $(tar -tf "$root/lc-diff.tar" | grep -c '^proc/.')"
p import "$root/lc-diff.tar" lc-exported:1 >/dev/null
p run --rm lc-exported:1 sh -c 'cat /tmp/new; ls /etc/group 2>/dev/null || echo /etc/group is gone'
