#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's rig stage: the reconfig stage (bench.sh) on the rig of
# separate machines (tools/vm/rig.sh), where the replicas do not share one
# emulated machine.  Four guests of Debian's kernel, one vCPU each: a
# cluster of three and a joining instance.
#
# 1. COUNT records are written; then 16 writers of 64 B on the primary run
#    for SECS seconds, once alone (the baseline) and once while a backup is
#    replaced by the joining machine, which learns the COUNT records
#    meanwhile (stage reconfig_rig_fg, phase baseline and change).
# 2. 2 x REPS times the replaced machine joins again and takes the place
#    of the one that replaced it, asked at the primary while one writer
#    there appends back to back (tools/bench/reconfig.py --writer): its
#    worst write at the switch, in its median writes before, is the pause
#    (stage reconfig_rig).  Every other change is asked by reconfig.py
#    itself over netlink (asked "netlink"), the others by vsradm (asked
#    "vsradm", whose exit at the switch takes the primary's one vCPU).
#
# Appends its JSON lines to RESULTS.
#
# usage: rig-reconfig.sh RESULTS DIR COUNT SECS REPS   (as root; run.sh)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/vm/rig.sh"
. "$top/selftests/rig/lib.sh"
results=$1 count=$3 secs=$4 reps=$5
kernel=${BENCH_RIG_KERNEL:-stock}
load=$top/tools/bench/vsr-load
[ -x "$load" ] || fail "no $load (make -C tools/bench)"

rig_init 4 "$2" || fail "rig_init"
trap rig_cleanup EXIT
rig_boot_all "$kernel" "$kernel" "$kernel" "$kernel" || fail "booting the guests"
for i in 0 1 2; do
	node_add "$i" 3 || fail "add on node $i"
done
node_join 3 || fail "add join on node 3"
for i in 0 1 2; do
	node_wait "$i" status normal 120 || fail "node $i not normal"
done
p=$(node_field 0 primary)
b=$(( (p + 1) % 3 ))
old=$(( (p + 2) % 3 )) new=3
peers_with() {
	echo "$(rig_addr "$p"):$RIG_PORT,$(rig_addr "$b"):$RIG_PORT,$(rig_addr "$1"):$RIG_PORT"
}

# 1. Foreground throughput while the new member learns COUNT records.
rig_run "$p" "$load -d /dev/vsrlog0 -c 16 -s 64 -n $count" > /dev/null || fail "filling $count records"
for phase in baseline change; do
	rig_spawn "$p" "fg-$phase" "$load -d /dev/vsrlog0 -c 16 -s 64 -t $((secs * 4))" ||
		fail "foreground load ($phase)"
	if [ "$phase" = change ]; then
		sleep 1
		res=$(rig_run "$p" "python3 tools/bench/reconfig.py $VSRADM - vsrlog0 - - $(peers_with "$new")") ||
			fail "reconfigure (replace $old by $new): $res"
		echo "# the change: $res" >&2
	fi
	rig_spawn_wait "$p" "fg-$phase" $((secs * 4 + 120)) ||
		fail "foreground load ($phase): $(cat "$(rig_dir "$p")/fg-$phase.err")"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d.update(stage="reconfig_rig_fg", filled=int(sys.argv[2]), phase=sys.argv[3], kernel=sys.argv[4])
print(json.dumps(d, sort_keys=True))' "$(rig_dir "$p")/fg-$phase.out" "$count" "$phase" "$kernel" \
		>> "$results" || fail "bad output of vsr-load ($phase)"
	tail -n 1 "$results" >&2
done
node_wait "$new" status normal 60 || fail "node $new not normal"
node_wait "$old" status removed 60 || fail "node $old not removed"
node_del "$old" >/dev/null || fail "del on node $old"
node_join "$old" || fail "add join on node $old"
t=$new new=$old old=$t

# 2. The pause, one writer alone, asked both ways in turn.
for ((sw = 1; sw <= 2 * reps; sw++)); do
	# Netlink first in odd pairs, second in even ones: the two machines
	# that take turns joining take turns with each way too.
	rep=$(( (sw + 1) / 2 )) via=
	[ $(( (sw + rep) % 2 )) = 0 ] && via=--netlink
	node_wait "$new" status joining 30 || fail "node $new not joining"
	res=$(rig_run "$p" "python3 tools/bench/reconfig.py --writer /dev/vsrlog0 $via $VSRADM - vsrlog0 - - \
		$(peers_with "$new")") ||
		fail "reconfigure (replace $old by $new): $res"
	node_wait "$new" status normal 60 || fail "node $new not normal"
	node_wait "$old" status removed 60 || fail "node $old not removed"
	# What the new member says (reconfig.py cannot ask another machine).
	shown=$(rig_run "$new" "$VSRADM -j show vsrlog0") || fail "show on node $new"
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
new = json.loads(sys.argv[2])[0]
d.update(stage="reconfig_rig", rep=int(sys.argv[3]), kernel=sys.argv[4], records=int(sys.argv[5]),
         epoch=new["epoch"], new_status=new["status"], new_commit=new["commit"],
         new_recoveries=new["stats"]["recoveries"])
print(json.dumps(d, sort_keys=True))' "$res" "$shown" "$rep" "$kernel" "$count" >> "$results" ||
		fail "bad output of reconfig.py or show: $res $shown"
	tail -n 1 "$results" >&2
	# The replaced machine joins again and takes the next turn.
	node_del "$old" >/dev/null || fail "del on node $old"
	node_join "$old" || fail "add join on node $old"
	t=$new new=$old old=$t
done
for i in 0 1 2 3; do
	node_del "$i" >/dev/null
	rig_halt "$i" || fail "node $i: unclean kernel log or unload"
done
