#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the write that waits for an epoch switch spends its time, between
# separate machines: the rig stage's cluster (tools/bench/rig-reconfig.sh:
# four guests of Debian's kernel, one vCPU each, three members and a
# joining instance), COUNT records written first, then a backup replaced
# by the joining machine while one writer appends on the primary
# (tools/bench/reconfig.py --writer).  Every guest traces the module's
# events, the NIC's packets, work items and task switches; the traces go
# to DIR/trace-I.txt and reconfig.py's result (the pause) to
# DIR/pause.json.  FUNCS=1 adds the function tracer on the primary,
# restricted to vsr.ko; FUNCS=graph traces the receive work's calls in
# every guest instead, with their durations, to depth GRAPH_DEPTH
# (default 5), kernel functions included.  VIA=netlink asks over netlink
# from reconfig.py instead of by vsradm (see reconfig.py).  WARM=N makes N
# changes first, untraced, the two machines that take turns joining
# taking turns as in the rig stage, so that the traced one runs only code
# that every guest ran before (an emulator translates code the first time
# it runs).  Read the primary's trace from its PREPARE of the
# RECONFIG (the last op of epoch 0) to its first commit in epoch 1; the
# clocks of two guests differ by a constant that their PREPAREs and
# PREPAREOKs give.  A diagnostic, not a test:
#
#   tools/check.sh build stock && make -C tools/bench && make vsradm
#   tools/bench/rig-switch-trace.sh build/switch-trace [COUNT]   (as root)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/vm/rig.sh"
. "$top/selftests/rig/lib.sh"
out=${1:?usage: rig-switch-trace.sh DIR [COUNT]}
count=${2:-100000}
load=tools/bench/vsr-load
[ -x "$top/$load" ] || fail "no $load (make -C tools/bench)"

rig_init 4 "$out" || fail "rig_init"
trap rig_cleanup EXIT
rig_boot_all stock stock stock stock || fail "booting the guests"
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
rig_run "$p" "$load -d /dev/vsrlog0 -c 16 -s 64 -n $count" > /dev/null || fail "filling $count records"
for ((w = 0; w < ${WARM:-0}; w++)); do
	rig_run "$p" "python3 tools/bench/reconfig.py --writer /dev/vsrlog0 ${VIA:+--netlink} $VSRADM - vsrlog0 - - \
		$(peers_with "$new")" > "$out/warm-$w.json" || fail "warm-up change $w: $(cat "$out/warm-$w.json")"
	node_wait "$new" status normal 60 || fail "node $new not normal"
	node_wait "$old" status removed 60 || fail "node $old not removed"
	node_del "$old" > /dev/null || fail "del on node $old"
	node_join "$old" || fail "add join on node $old"
	node_wait "$old" status joining 30 || fail "node $old not joining"
	t=$new new=$old old=$t
done
t=/sys/kernel/tracing
for i in 0 1 2 3; do
	rig_run "$i" "[ -d $t/events ] || mount -t tracefs nodev $t
echo 32000 > $t/buffer_size_kb
for ev in vsr net/net_dev_xmit net/netif_receive_skb sched/sched_switch sched/sched_wakeup \
	workqueue/workqueue_execute_start; do
	echo 1 > $t/events/\$ev/enable || exit 1
done
echo > $t/trace" || fail "tracing on node $i"
done
case ${FUNCS:-0} in
0) ;;
graph)
	for i in 0 1 2 3; do
		rig_run "$i" "echo vsr_rx_work > $t/set_graph_function &&
			echo ${GRAPH_DEPTH:-5} > $t/max_graph_depth &&
			echo function_graph > $t/current_tracer" || fail "function graph tracer"
	done ;;
*)
	rig_run "$p" "echo :mod:vsr > $t/set_ftrace_filter &&
		echo function > $t/current_tracer" || fail "function tracer" ;;
esac
rig_run "$p" "python3 tools/bench/reconfig.py --writer /dev/vsrlog0 ${VIA:+--netlink} $VSRADM - vsrlog0 - - \
	$(peers_with "$new")" > "$out/pause.json" ||
	fail "reconfigure: $(cat "$out/pause.json")"
cat "$out/pause.json"
for i in 0 1 2 3; do
	rig_run "$i" "echo 0 > $t/tracing_on; cat $t/trace > $(rig_dir "$i")/trace.txt; echo 0 > $t/events/enable; echo nop > $t/current_tracer; echo 1 > $t/tracing_on" ||
		fail "trace of node $i"
	mv "$(rig_dir "$i")/trace.txt" "$out/trace-$i.txt"
done
for i in 0 1 2 3; do
	node_del "$i" > /dev/null
	rig_halt "$i" || fail "node $i: unclean kernel log or unload"
done
echo "$p $b $old $new" > "$out/roles"
echo "primary $p, backup $b stays, $old is replaced by $new; traces in $out (tools/bench/rig-switch-steps.py)"
