#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A bad network: every replica's link loses 30 % of its packets, duplicates
# and reorders them, and delays them with jitter (netem).  Concurrent
# writers on every node still get every acknowledged record into the log
# exactly once, and once the network is repaired all replicas converge on
# the same log.
# timeout: 600
# kernels: stock 6.12 -- the debug guest has no time left; replication.sh drives the same kernel paths there, and the simulator the lossy network
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)

cluster_up 3 heartbeat 50 timeout 1000 client-timeout 60000
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
	tc -n "$(ns "$i")" qdisc add dev eth0 root netem \
		loss 30% duplicate 10% delay 4ms 3ms reorder 25% 50% ||
		fail "netem on replica $i"
done
tc -n "$(ns 0)" qdisc show dev eth0 | sed 's/^/# /'

pids=()
for i in 0 1 2; do
	python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$i" "lossy$i" 15 > "$tmp/acked.$i" 2> "$tmp/err.$i" &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || { cat "$tmp"/err.*; fail "a writer failed under netem"; }
done
for i in 0 1 2; do
	tc -n "$(ns "$i")" qdisc del dev eth0 root
done
cat "$tmp"/acked.* > "$tmp/acked"
converge "$tmp/log" 0 1 2
exactly_once "$tmp/acked" "$tmp/log.0" || fail "exactly-once violated under netem"
for i in 0 1 2; do
	ip netns exec "$(ns "$i")" "$VSRADM" show "vsrlog$i" | grep -E 'view|msgs' | sed 's/^/# /'
done
echo ok
