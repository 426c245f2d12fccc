#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A durable cluster reconfigures, and its files hold the new epoch: after
# every replica is lost at once (the module removed), each comes back from
# its file alone in that epoch, with its members, and nothing acknowledged
# is lost.  Then a change commits while no replica's switch to the new
# epoch reaches its file (debugfs holds the records back) and the whole
# cluster is lost: each comes back in the old epoch as a new incarnation,
# which the change did not record, and enters the new epoch normal because
# its file holds its whole history.  A member that a change removed comes
# back from its file and learns that it was removed, also after the
# members restarted from theirs.  A durable joining instance (formatted
# to join) becomes a member, and its file brings it back in its epoch.
# timeout: 900
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"
args=(heartbeat 50 timeout 500 client-timeout 20000 retention 64)

a() { echo "$(addr "$1"):$VSR_PORT"; }

# loss I...: replicas I... deleted and the module removed; then each back
# from its file alone.
loss() {
	local i
	for i in "$@"; do
		ip netns exec "$(ns "$i")" "$VSRADM" del "vsrlog$i" || fail "del $i"
	done
	rmmod vsr || fail "rmmod"
	insmod "$VSR_KO" || fail "insmod"
	for i in "$@"; do
		ip netns exec "$(ns "$i")" "$VSRADM" add "vsrlog$i" \
			log-file "$tmp/disk$i" || fail "re-add $i from its file"
	done
}

grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
cluster_net 4
VSR_N=3		# the fourth namespace joins later
for i in 0 1 2; do
	replica_add "$i" "${args[@]}" log-file "$tmp/disk$i" format ||
		fail "add durable replica $i"
done
for i in 0 1 2; do wait_normal "$i" 60 || fail "replica $i not normal"; done
writes "$(primary_of 0)" 60 e0

info "epoch 1: the same members, another order (another primary)"
reconf 1 "$(a 1),$(a 2),$(a 0)" || fail "reconfigure: $(cat "$tmp/err")"
grep -q 'epoch 1' "$tmp/out" || fail "reconfigure said: $(cat "$tmp/out")"
for i in 0 1 2; do wait_epoch "$i" 1 60; done
writes 2 30 e1
converge "$tmp/log1" 0 1 2

info "the whole cluster lost: each replica back from its file in epoch 1"
loss 0 1 2
for i in 0 1 2; do wait_epoch "$i" 1 120; done
writes "$(primary_of 0)" 30 e1-after
converge "$tmp/log2" 0 1 2
kept "$tmp/log1.0" "$tmp/log2.0" 50 || fail "records lost in epoch 1"

info "a change commits, no switch reaches a file, the whole cluster is lost"
for i in 0 1 2; do
	echo 1 > "/sys/kernel/debug/vsr/vsrlog$i/journal-hold-records" ||
		fail "hold $i's records"
done
h=$(status 0 op)
"$VSRADM" -n "$(ns 0)" reconfigure vsrlog0 peers "$(a 2),$(a 0),$(a 1)" \
	> "$tmp/held.out" 2>&1 &
rc_pid=$!
for i in 0 1 2; do
	wait_commit "$i" $((h + 1)) 60 || fail "the change did not commit on $i"
done
for i in 0 1 2; do
	[ "$(status "$i" epoch)" = 2 ] || fail "replica $i did not switch in memory"
done
loss 0 1 2
# (It returned once its replica took the change, or failed at the del.)
wait "$rc_pid"
for i in 0 1 2; do wait_epoch "$i" 2 120; done
writes "$(primary_of 0)" 30 e2
converge "$tmp/log3" 0 1 2
kept "$tmp/log2.0" "$tmp/log3.0" 50 || fail "records lost across the held switch"

info "epoch 3 removes replica 0, whose log stays a prefix"
reconf 1 "$(a 1),$(a 2)" || fail "shrink: $(cat "$tmp/err")"
wait_status 0 removed 60
for i in 1 2; do wait_epoch "$i" 3 60; done
writes 1 20 e3
converge "$tmp/log4" 1 2
dump 0 "$tmp/removed"
python3 -S - "$tmp/removed" "$tmp/log4.1" <<'PY' || fail "the removed member's log is no prefix"
import sys
old = dict(l.split(' ', 1) for l in open(sys.argv[1]))
new = dict(l.split(' ', 1) for l in open(sys.argv[2]))
if not old or max(map(int, old)) >= max(map(int, new)):
    sys.exit('the removed log does not end before the new epoch')
bad = [op for op in old if op in new and new[op] != old[op]]
sys.exit('differs at ops %s' % bad[:3] if bad else 0)
PY
ip netns exec "$(ns 0)" "$VSRADM" del vsrlog0 || fail "del the removed replica"

info "the two members lost, back from their files in epoch 3"
loss 1 2
for i in 1 2; do wait_epoch "$i" 3 120; done
info "the removed member's file re-added: it learns that it was removed"
ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 log-file "$tmp/disk0" ||
	fail "re-add the removed replica from its file"
wait_status 0 removed 120
# show names the primary by its place among the instance's peers, and an
# instance back from its file has its epoch's members (1, 2) first.
writes "$(($(primary_of 1) + 1))" 20 e3-after
converge "$tmp/log5" 1 2
kept "$tmp/log4.1" "$tmp/log5.1" 40 || fail "records lost in epoch 3"
ip netns exec "$(ns 0)" "$VSRADM" del vsrlog0 || fail "del the removed replica"

info "epoch 4: a durable joining instance becomes a member"
out=$(ip netns exec "$(ns 3)" "$VSRADM" add vsrlog3 join "$(a 3)" cluster 77 \
	log-file "$tmp/disk3" 2>&1) && fail "a joiner's unformatted file was taken"
echo "$out" | grep -q 'formatted to join' || fail "joiner without format: $out"
slow_args "${args[@]}"
ip netns exec "$(ns 3)" "$VSRADM" add vsrlog3 join "$(a 3)" cluster 77 \
	"${VSR_ARGS[@]}" log-file "$tmp/disk3" format || fail "add the durable joiner"
wait_status 3 joining 30
reconf 1 "$(a 1),$(a 2),$(a 3)" || fail "grow: $(cat "$tmp/err")"
for i in 1 2 3; do wait_epoch "$i" 4 120; done
writes 3 20 e4
converge "$tmp/log6" 1 2 3
loss 1 2 3
for i in 1 2 3; do wait_epoch "$i" 4 120; done
# Likewise epoch 4's (1, 2, 3): peer 0 is not the deleted vsrlog0.
writes "$(($(primary_of 3) + 1))" 20 e4-after
converge "$tmp/log7" 1 2 3
kept "$tmp/log6.3" "$tmp/log7.3" 40 || fail "records lost in epoch 4"
info "ok"
