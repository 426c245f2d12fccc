#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Partitions of 5 replicas.  A backup cut off alone cannot commit (its
# writes time out) while the majority goes on; after healing it catches up.
# The primary on the minority side of a 2/3 split cannot commit; the
# majority elects a new primary and goes on; after healing the old primary
# follows the new view and every replica holds the same log, with every
# acknowledged record exactly once.
# timeout: 600
# kernels: stock 6.12 -- the debug guest has no time left; failover.sh and replication.sh drive the same kernel paths there, and the simulator the protocol
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"

cluster_up 5 heartbeat 50 timeout 500 client-timeout 3000
for i in 0 1 2 3 4; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
p=$(primary_of 0)
b=$(( (p + 4) % 5 ))
writes "$p" 10 before

info "backup $b alone"
partition "$b"
python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$b" lonely 1 > "$tmp/lonely" 2> "$tmp/lonely.err"
grep -q ETIMEDOUT "$tmp/lonely.err" || fail "a write on an isolated backup did not time out: $(cat "$tmp/lonely.err")"
writes "$(( (p + 1) % 5 ))" 10 majority1
heal
converge "$tmp/log1" 0 1 2 3 4

info "primary $p with one backup in the minority"
m=$(( (p + 1) % 5 ))
partition "$p" "$m"
python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$p" minority 1 > "$tmp/min" 2> "$tmp/min.err"
grep -q ETIMEDOUT "$tmp/min.err" || fail "the minority primary committed: $(cat "$tmp/min" "$tmp/min.err")"
o=$(( (p + 2) % 5 ))
writes "$o" 10 majority2
np=$(primary_of "$o")
[ "$np" != "$p" ] && [ "$np" != "$m" ] || fail "majority has no new primary ($np)"
heal
writes "$p" 5 healed
converge "$tmp/log2" 0 1 2 3 4
exactly_once "$VSR_ACKED" "$tmp/log2.0" || fail "acknowledged records lost or duplicated"
[ "$(primary_of "$p")" = "$np" ] || fail "old primary does not follow the new view"
echo ok
