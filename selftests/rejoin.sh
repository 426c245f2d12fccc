#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A backup is deleted, the cluster goes on without it, and it is re-added
# empty: it recovers, catches up by state transfer and then takes part
# again - with another backup gone, commits need it, and they happen.
# timeout: 600
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"

cluster_up 3 heartbeat 50 timeout 500 client-timeout 20000
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
p=$(primary_of 0)
b=$(( (p + 1) % 3 ))
o=$(( 3 - p - b ))
writes "$p" 20 first

info "deleting backup $b, writing without it"
ip netns exec "$(ns "$b")" "$VSRADM" del "vsrlog$b" || fail "del"
writes "$p" "$(scaled 200)" without

info "re-adding backup $b empty"
r0=$(status "$p" commit)
replica_add "$b" heartbeat 50 timeout 500 client-timeout 20000 || fail "re-add"
wait_normal "$b" 60 || fail "re-added replica did not recover"
wait_commit "$b" "$r0" 60 || fail "re-added replica did not catch up to $r0"
converge "$tmp/log1" "$p" "$b"

info "deleting the other backup $o: commits now need $b"
ip netns exec "$(ns "$o")" "$VSRADM" del "vsrlog$o" || fail "del $o"
writes "$b" 10 after
writes "$p" 10 after-p
converge "$tmp/log2" "$p" "$b"
exactly_once "$VSR_ACKED" "$tmp/log2.$p" || fail "records lost"
echo ok
