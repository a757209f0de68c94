#!/bin/sh
# The network lesson, steps 10-12: a user network, names in /etc/hosts and
# through the network's DNS responder, two networks kept apart.
#
#   sudo sh lessons/network/pocker-names.sh build/pocker/pocker /tmp/names-lesson
#
# $1: the pocker binary, $2: a directory of its own (the store).
set -u
pocker=$1
work=$2
root=$work/root
P() { echo "+ pocker $*"; "$pocker" --root "$root" "$@"; }

rm -rf "$work"
mkdir -p "$root"
# Containers first, then the networks: their bridges and subnets are the host's.
cleanup() {
  "$pocker" --root "$root" rm -f db >/dev/null 2>&1
  "$pocker" --root "$root" network rm shop other >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

echo "# step 10: a user network"
P --trace network create shop 2>&1 >/dev/null | grep -E '^\+ (nft|network)'

P network create other >/dev/null
P network ls | sed 's/  */ /g' | grep -E '^(NETWORK|[0-9a-f]{12} )'
P run -d --name db --network shop --network-alias database busybox httpd -f -p 8080 -h /etc >/dev/null
P network rm shop
echo "rm of a network in use: $?"

echo "# step 11: /etc/hosts, /etc/hostname, /etc/resolv.conf"
P run --rm --name web -h webhost --network shop --add-host printer.lan:10.9.9.9 busybox \
  sh -c 'cat /etc/hosts /etc/hostname /etc/resolv.conf'

echo "# step 12: names through the network's DNS responder"
P run --rm --network shop busybox nslookup database | grep -E '^(Name|Address)'
P run --rm --network shop busybox wget -q -O- http://db:8080/hostname
echo "# and from another network: neither the name nor the address"
db_ip=$("$pocker" --root "$root" inspect -f '{{.NetworkSettings.IPAddress}}' db)
P run --rm --network other busybox sh -c "nc -w 2 $db_ip 8080 </dev/null" 2>&1
echo "connect from network other: $?"
echo "# with --trace: the veth on shop's bridge, the /etc files for its resolver"
P --trace run --rm --network shop busybox true 2>&1 | grep -E 'RTM_NEWLINK|wrote'
echo "# network rm: the responder, the bridge, the isolation rules"
P rm -f db >/dev/null
P --trace network rm shop other 2>&1 | grep -vE '^\+ (rtnetlink RTM_GETLINK|remove)' 
