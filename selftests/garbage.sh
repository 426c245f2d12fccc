#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Datagrams that must not be trusted: from an address that is no peer, a
# peer's address with random bytes, a truncated or huge datagram, a wrong
# cluster id, a bad checksum, a replica index that is not the sender's, and
# an old view's COMMIT replayed after a view change.  Each is dropped and
# counted by reason; the cluster neither changes view nor loses a record.
# timeout: 600
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap 'ip netns del vsr-x 2>/dev/null; cluster_cleanup' EXIT
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"

declare -A drop
drops() {	# drops I: replica I's drop counters into drop[NAME], one show
	local w key=
	drop=()
	for w in $("$VSRADM" -n "$(ns "$1")" show "vsrlog$1" | grep -o 'drop-.*'); do
		if [ -z "$key" ]; then key=$w; else drop[$key]=$w; key=; fi
	done
	[ -n "${drop[drop-not-peer]:-}" ] || fail "no drop counters in vsradm show"
}
forge() {	# forge FROM-NETNS KIND [args]: to replica 0
	local from=$1
	shift
	ip netns exec "$from" python3 -S "$VSR_LIB/forge.py" "$1" "$(addr 0)" "${@:2}" ||
		fail "forge $*"
}

# A view-change timeout long enough that a slow (debug, loaded) guest does
# not change view by itself while the garbage is checked.
cluster_up 3 heartbeat 100 timeout 2000 client-timeout 20000
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
# A stranger on the bridge.
ip netns add vsr-x
ip -n vsr-x link add eth0 type veth peer name px netns "$VSR_HUB"
ip -n vsr-x addr add 10.77.0.100/24 dev eth0
ip -n vsr-x link set eth0 up
ip -n "$VSR_HUB" link set px master br0 up

writes 0 5 before
v0=$(status 0 view)
drops 0
np0=${drop[drop-not-peer]} cl0=${drop[drop-cluster]}
ck0=${drop[drop-checksum]} ma0=${drop[drop-malformed]}

forge vsr-x random,commit 7000
forge "$(ns 1)" random,huge,truncated,wrong-cluster,bad-checksum
forge "$(ns 1)" commit 7000 77 2		# claims to be replica 2
sleep 1

drops 0
np=$((${drop[drop-not-peer]} - np0)) cl=$((${drop[drop-cluster]} - cl0))
ck=$((${drop[drop-checksum]} - ck0)) ma=$((${drop[drop-malformed]} - ma0))
info "drop-not-peer +$np drop-cluster +$cl drop-checksum +$ck drop-malformed +$ma"
# Random bytes from a peer claim a random replica index: not-peer too.
[ "$np" -ge 3 ] || fail "drop-not-peer +$np, want 3"
[ "$cl" -ge 1 ] || fail "wrong cluster not counted"
[ "$ck" -ge 1 ] || fail "bad checksum not counted"
[ "$ma" -ge 1 ] || fail "truncated datagram not counted"
[ $((np + cl + ck + ma)) -ge 8 ] || fail "only $((np + cl + ck + ma)) of 8 datagrams dropped"
[ "$(status 0 view)" = "$v0" ] || fail "garbage changed the view"
writes 1 5 after-garbage

info "replaying a COMMIT of view $v0 after a view change"
p=$(primary_of 0)
partition "$p"
o=$(( (p + 1) % 3 ))
for ((s = 0; s < 600; s++)); do
	[ "$(status "$o" view)" -gt "$v0" ] && [ "$(status "$o" status)" = normal ] && break
	sleep 0.1
done
[ "$(status "$o" view)" -gt "$v0" ] || fail "no view change without the primary"
heal
writes "$o" 5 new-view
v1=$(status "$o" view)
c1=$(status "$o" commit)
victim=$(( (p + 2) % 3 ))
ip netns exec "$(ns "$p")" python3 -S "$VSR_LIB/forge.py" commit "$(addr "$victim")" 7000 77 "$p" "$v0" ||
	fail "replay"
sleep 1
[ "$(status "$victim" view)" -ge "$v1" ] || fail "old-view replay moved replica $victim back"
writes "$victim" 5 after-replay
converge "$tmp/log" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/log.0" || fail "records lost"
[ "$(status "$victim" commit)" -ge "$c1" ] || fail "commit went backwards"
echo ok
