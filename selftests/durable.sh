#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A durable cluster (each replica's log in a file) loses every replica at
# once - the module is removed, so nothing survives in memory - and comes
# back from its files alone: no peers, cluster or index given, every
# acknowledged record there exactly once, on every replica, and it goes on
# taking writes.  Then one replica restarts from its file while the others
# run.  Bad inputs get an error and change nothing.
# timeout: 600
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"
args=(heartbeat 50 timeout 500 client-timeout 20000 retention 1000)

# readd I: bring replica I back from its file alone.
readd() {
	ip netns exec "$(ns "$1")" "$VSRADM" add "vsrlog$1" log-file "$tmp/disk$1"
}

grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
cluster_net 3
for i in 0 1 2; do
	replica_add "$i" "${args[@]}" log-file "$tmp/disk$i" format ||
		fail "add durable replica $i"
done
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
	"$VSRADM" -n "$(ns "$i")" show "vsrlog$i" | grep -q "durable log-file $tmp/disk$i" ||
		fail "show does not name replica $i's log file"
done
p=$(primary_of 0)
writes "$p" "$(scaled 150)" before
writes "$(( (p + 1) % 3 ))" 20 backup
converge "$tmp/log1" 0 1 2

info "whole-cluster loss: every instance deleted and the module removed"
for i in 0 1 2; do
	ip netns exec "$(ns "$i")" "$VSRADM" del "vsrlog$i" || fail "del $i"
done
rmmod vsr || fail "rmmod"
insmod "$VSR_KO" || fail "insmod"

info "bad inputs: each refused with its reason, nothing created"
: > "$tmp/empty"
truncate -s 1M "$tmp/empty"
out=$(ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 log-file "$tmp/empty" 2>&1) &&
	fail "an unformatted file was taken"
echo "$out" | grep -q 'no valid superblock' || fail "unformatted: $out"
out=$(ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 replica 1 peers "$(peers 3)" \
	cluster 77 log-file "$tmp/disk0" 2>&1) && fail "a mismatched replica index was taken"
echo "$out" | grep -q 'differ from the log file' || fail "mismatch: $out"
out=$(ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 log-file "$tmp/missing" 2>&1) &&
	fail "a missing file was taken"
"$VSRADM" -n "$(ns 0)" show vsrlog0 >/dev/null 2>&1 && fail "a refused add left an instance"

info "every replica back from its file alone"
for i in 0 1 2; do
	readd "$i" || fail "re-add $i from its file"
done
out=$(ip netns exec "$(ns 1)" "$VSRADM" add vsrlog9 log-file "$tmp/disk1" 2>&1) &&
	fail "a log file in use was taken twice"
echo "$out" | grep -q 'in use' || fail "in use: $out"
for i in 0 1 2; do
	wait_normal "$i" 120 || fail "replica $i not normal after the restart"
done
converge "$tmp/log2" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/log2.0" || fail "records lost in the whole-cluster loss"
p=$(primary_of 0)
writes "$p" 30 after

info "one replica restarts from its file while the others go on"
b=$(( (p + 1) % 3 ))
ip netns exec "$(ns "$b")" "$VSRADM" del "vsrlog$b" || fail "del $b"
writes "$p" 40 without
readd "$b" || fail "re-add $b"
wait_normal "$b" 120 || fail "replica $b not normal after its restart"
writes "$b" 10 through-b
converge "$tmp/log3" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/log3.$b" || fail "records lost"
echo ok
