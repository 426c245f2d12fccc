#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the nodes do around an epoch switch, with the module's tracepoints:
# three replicas and a joining instance in one guest, one writer on the
# primary, and a backup replaced by the joining instance.  The trace
# (vsr_commit, vsr_fetch_*, vsr_drop, and markers at the start and end of
# the reconfigure) goes to $VSR_OUT/trace.txt, and the steps of the switch
# (switch-steps.py) to $VSR_OUT/steps.txt.  A diagnostic, not a test:
#
#   tools/check.sh build stock && make -C tools/bench && make -C tools/vsradm
#   tools/vm/run.sh -k stock -o build/switch-trace -t 300 tools/bench/switch-trace.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
VSR_KO=${VSR_KO:-$top/build/stock/vsr_mod/vsr.ko}
VSRADM=${VSRADM:-$top/tools/vsradm/vsradm}
export VSR_KO VSRADM
. "$top/selftests/lib/cluster.sh"
trap cluster_cleanup EXIT
for dep in $(modinfo -F depends "$VSR_KO" | tr , ' '); do modprobe "$dep"; done
cluster_net 4
VSR_N=3
insmod "$VSR_KO" || fail "insmod"
for i in 0 1 2; do replica_add "$i" client-timeout 60000 || fail "add $i"; done
for i in 0 1 2; do wait_normal "$i" 60 || fail "replica $i not normal"; done
p=$(primary_of 0)
b=$(( (p + 1) % 3 ))
info "primary $p, backup $b stays, $(( (p + 2) % 3 )) is replaced by 3"
ip netns exec "$(ns 3)" "$VSRADM" add vsrlog3 join "$(addr 3):$VSR_PORT" cluster 77 \
	client-timeout 60000 || fail "add vsrlog3 join"
t=/sys/kernel/tracing
[ -d "$t/events/vsr" ] || mount -t tracefs nodev "$t" || fail "tracefs"
echo 20000 > "$t/buffer_size_kb"
echo 1 > "$t/events/vsr/enable"
# What else the CPUs did meanwhile: work items and task switches.
for ev in workqueue/workqueue_execute_start workqueue/workqueue_execute_end \
	  sched/sched_switch sched/sched_wakeup; do
	echo 1 > "$t/events/$ev/enable"
done
echo > "$t/trace"
ip netns exec "$(ns "$p")" "$top/tools/bench/vsr-load" -d "/dev/vsrlog$p" -c 1 -s 64 -t 4 \
	> "${VSR_OUT:-/tmp}/load.json" &
sleep 1
echo "reconfigure start" > "$t/trace_marker"
ip netns exec "$(ns "$p")" "$VSRADM" reconfigure "vsrlog$p" peers \
	"$(addr "$p"):$VSR_PORT,$(addr "$b"):$VSR_PORT,$(addr 3):$VSR_PORT" || fail "reconfigure"
echo "reconfigure end" > "$t/trace_marker"
wait
echo 0 > "$t/events/enable"
cp "$t/trace" "${VSR_OUT:-/tmp}/trace.txt"
info "trace: ${VSR_OUT:-/tmp}/trace.txt"
python3 "$top/tools/bench/switch-steps.py" "${VSR_OUT:-/tmp}/trace.txt" |
	tee "${VSR_OUT:-/tmp}/steps.txt"
