#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where one writer's durable commit spends its time: the durable stage's
# cluster on the rig (three guests of Debian's kernel, one vCPU each, the
# log on /dev/vda), one writer of 64 B on the primary for SECS seconds,
# with the module's datagram tracepoints, the block layer's requests and
# the NIC's packets traced in every guest.  The traces go to
# DIR/trace-I.txt; durable-steps.py prints the steps of an op, in µs, on
# the primary and on each backup (DIR/steps.txt).  A diagnostic, not a
# test:
#
#   tools/check.sh build stock && make -C tools/bench && make vsradm
#   tools/bench/durable-trace.sh build/durable-trace [SECS]   (as root)
#
# DIRECT=0 traces the ring written through the page cache instead.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/vm/rig.sh"
. "$top/selftests/rig/lib.sh"
out=${1:?usage: durable-trace.sh DIR [SECS]}
secs=${2:-4}
direct=${DIRECT:-1}
load=tools/bench/vsr-load
[ -x "$top/$load" ] || fail "no $load (make -C tools/bench)"

rig_init 3 "$out" || fail "rig_init"
trap rig_cleanup EXIT
rig_boot_all stock stock stock || fail "booting the guests"
for i in 0 1 2; do
	rig_run "$i" "echo $direct > /sys/module/vsr/parameters/direct_io" || fail "direct_io"
	node_add "$i" 3 log-file /dev/vda format || fail "add on node $i"
done
for i in 0 1 2; do
	node_wait "$i" status normal 120 || fail "node $i not normal"
done
p=$(node_field 0 primary)
t=/sys/kernel/tracing
for i in 0 1 2; do
	rig_run "$i" "[ -d $t/events ] || mount -t tracefs nodev $t
echo 16000 > $t/buffer_size_kb
for ev in vsr/vsr_send vsr/vsr_recv vsr/vsr_commit block/block_rq_issue \
	block/block_rq_complete net/net_dev_xmit net/netif_receive_skb; do
	echo 1 > $t/events/\$ev/enable || exit 1
done
echo > $t/trace" || fail "tracing on node $i"
done
rig_run "$p" "$load -d /dev/vsrlog0 -c 1 -s 64 -t $secs" > "$out/load.json" ||
	fail "vsr-load: $(cat "$out/load.json")"
for i in 0 1 2; do
	rig_run "$i" "echo 0 > $t/events/enable; cat $t/trace > $(rig_dir "$i")/trace.txt" ||
		fail "trace of node $i"
	mv "$(rig_dir "$i")/trace.txt" "$out/trace-$i.txt"
done
for i in 0 1 2; do
	node_del "$i" > /dev/null || fail "del on node $i"
	rig_halt "$i" || fail "node $i: unclean kernel log or unload"
done
python3 "$top/tools/bench/durable-steps.py" "$p" "$out"/trace-[012].txt | tee "$out/steps.txt"
