#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Normal operation on 3 and on 5 replicas: writes on the primary and on
# every backup commit; concurrent writers on every node (one session each)
# get every acknowledged record into the log exactly once; every replica
# reads the same records at the same op numbers.
# timeout: 450
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)

for n in 3 5; do
	info "cluster of $n"
	# The default timeouts, scaled for the debug guest (cluster.sh), and
	# writes given time: this test is about what commits, not how fast.
	# (In the debug guest, unscaled, 10 writers on 5 replicas once took
	# longer than a view change and the 5 s client timeout allow.)
	cluster_up "$n" heartbeat 100 timeout 1000 client-timeout 20000
	for ((i = 0; i < n; i++)); do
		wait_normal "$i" 60 || fail "replica $i of $n not normal"
	done
	p=$(primary_of 0)
	info "primary is replica $p"

	# One write through every replica's device, primary and backups.
	for ((i = 0; i < n; i++)); do
		printf "single-$n-$i" > "/dev/vsrlog$i" || fail "write on replica $i"
	done

	# Concurrent writers: two sessions on every node.
	: > "$tmp/acked"
	k=$(scaled 25)
	pids=()
	for ((i = 0; i < n; i++)); do
		for w in a b; do
			python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$i" "w$n-$i$w" "$k" > "$tmp/acked.$i$w" &
			pids+=($!)
		done
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || fail "a writer failed"
	done
	cat "$tmp"/acked.* > "$tmp/acked"
	for ((i = 0; i < n; i++)); do
		echo "single-$n-$i" >> "$tmp/acked"
	done
	[ "$(wc -l < "$tmp/acked")" -eq $((n * 2 * k + n)) ] || fail "acked count"

	# Everyone catches up to the primary's commit point, then compare.
	c=$(status "$p" commit)
	for ((i = 0; i < n; i++)); do
		wait_commit "$i" "$c" 30 || fail "replica $i stuck below $c"
		dump "$i" "$tmp/log.$i"
	done
	same_logs "$tmp"/log.* || fail "replicas' logs differ"
	exactly_once "$tmp/acked" "$tmp/log.0" || fail "exactly-once violated"
	info "$n replicas: $(wc -l < "$tmp/log.0") records, identical everywhere"
	cluster_cleanup
done
echo "ok"
