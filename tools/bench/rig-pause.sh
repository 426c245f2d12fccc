#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's reconfig_rig stage, on the rig of separate machines
# (tools/vm/rig.sh): the reconfig stage's pause, measured where the
# replicas do not share one emulated machine.  Four guests of Debian's
# kernel, one vCPU each: a cluster of three and a joining instance.  A
# backup is replaced by the joining machine REPS times (the replaced one
# joins again and takes the next turn), asked at the primary while one
# writer there appends back to back (tools/bench/reconfig.py --writer):
# its worst write at the switch, in its median writes before, is the
# pause.  Appends one JSON line per replace to RESULTS (stage reconfig_rig).
#
# usage: rig-pause.sh RESULTS DIR [REPS]     (as root; tools/bench/run.sh)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/vm/rig.sh"
. "$top/selftests/rig/lib.sh"
results=$1 reps=${3:-3}

rig_init 4 "$2" || fail "rig_init"
trap rig_cleanup EXIT
for i in 0 1 2 3; do
	rig_start "$i" "${BENCH_RIG_KERNEL:-stock}" || fail "boot guest $i"
done
for i in 0 1 2 3; do
	rig_wait_ready "$i" || fail "boot guest $i"
done
for i in 0 1 2; do
	node_add "$i" 3 || fail "add on node $i"
done
node_join() {
	rig_run "$1" "$VSRADM add vsrlog0 join $(rig_addr "$1"):$RIG_PORT cluster 78"
}
node_join 3 || fail "add join on node 3"
for i in 0 1 2; do
	node_wait "$i" status normal 120 || fail "node $i not normal"
done
p=$(node_field 0 primary)
b=$(( (p + 1) % 3 ))
old=$(( (p + 2) % 3 )) new=3
for ((rep = 1; rep <= reps; rep++)); do
	node_wait "$new" status joining 30 || fail "node $new not joining"
	res=$(rig_run "$p" "python3 tools/bench/reconfig.py --writer /dev/vsrlog0 $VSRADM - vsrlog0 - - \
		$(rig_addr "$p"):$RIG_PORT,$(rig_addr "$b"):$RIG_PORT,$(rig_addr "$new"):$RIG_PORT") ||
		fail "reconfigure (replace $old by $new): $res"
	node_wait "$new" status normal 60 || fail "node $new not normal"
	node_wait "$old" status removed 60 || fail "node $old not removed"
	# What the new member says (reconfig.py cannot ask another machine).
	shown=$(rig_run "$new" "$VSRADM -j show vsrlog0") || fail "show on node $new"
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
new = json.loads(sys.argv[2])[0]
d.update(stage="reconfig_rig", rep=int(sys.argv[3]), kernel=sys.argv[4],
         epoch=new["epoch"], new_status=new["status"], new_commit=new["commit"],
         new_recoveries=new["stats"]["recoveries"])
print(json.dumps(d, sort_keys=True))' "$res" "$shown" "$rep" "${BENCH_RIG_KERNEL:-stock}" >> "$results" ||
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
