#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Observability: with vsr's tracepoints enabled, a cluster's bootstrap, a
# failover and a rejoin show up in the trace buffer (recovery, view-change,
# commit and state-transfer events), each instance's debugfs state file
# follows its replica (new view, removed with the instance), and the kernel
# log has the view-change, recovery and peer silent/back lines.  Skips only
# without tracefs.
# timeout: 300
set -u
. "$(dirname "$0")/lib/cluster.sh"

tr=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -d "$d/events" ] && { tr=$d; break; }
done
if [ -z "$tr" ] && [ -d /sys/kernel/tracing ] &&
   mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	[ -d /sys/kernel/tracing/events ] && tr=/sys/kernel/tracing
fi
[ -n "$tr" ] || { echo "# no tracefs in this kernel: skipped"; exit 4; }
dbg=/sys/kernel/debug/vsr

cleanup() {
	[ -w "$tr/events/vsr/enable" ] && echo 0 > "$tr/events/vsr/enable"
	cluster_cleanup
}
trap cleanup EXIT
tmp=$(mktemp -d)
export VSR_ACKED=$tmp/acked

# has TEXT PATTERN WHAT: TEXT matches the glob PATTERN, or fail.
has() { [[ $1 == *$2* ]] || fail "$3"; }

grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
[ -d "$tr/events/vsr" ] || fail "no vsr events in $tr/events"
for e in view_change_start view_change_end recovery_start recovery_end \
	 fetch_start fetch_chunk fetch_done commit drop failed peer_silent \
	 peer_back; do
	[ -d "$tr/events/vsr/vsr_$e" ] || fail "no tracepoint vsr_$e"
done
echo 0 > "$tr/tracing_on"
echo > "$tr/trace"
echo 1 > "$tr/events/vsr/enable" || fail "cannot enable the vsr events"
echo 1 > "$tr/tracing_on"
echo "vsr-selftest-observe: start" > /dev/kmsg

info "bootstrap"
cluster_up 3 heartbeat 50 timeout 500
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
p=$(primary_of 0)
v0=$(status 0 view)
writes "$p" 20 before
t=$(<"$tr/trace")
for i in 0 1 2; do
	has "$t" "vsr_recovery_start: vsrlog$i replica=$i status=recovering" \
		"no recovery_start event for replica $i"
	has "$t" "vsr_recovery_end: vsrlog$i replica=$i status=normal view=$v0" \
		"no recovery_end event for replica $i"
	[ -r "$dbg/vsrlog$i/state" ] || fail "no $dbg/vsrlog$i/state"
done
has "$t" "vsr_commit: vsrlog$p replica=$p view=$v0 ops=" "no commit event on the primary"
s=$(<"$dbg/vsrlog$p/state")
has "$s" $'\nprimary '"$p"$' (self)\n' "debugfs of the primary: no primary $p (self)"
has "$s" $'\n  peer '"$(( (p + 1) % 3 ))"' acked ' "debugfs of the primary: no acks"

info "failover: primary $p deleted"
echo 0 > "$tr/tracing_on"
echo > "$tr/trace"
echo 1 > "$tr/tracing_on"
ip netns exec "$(ns "$p")" "$VSRADM" del "vsrlog$p" || fail "del"
[ -e "$dbg/vsrlog$p" ] && fail "$dbg/vsrlog$p outlives its instance"
b=$(( (p + 1) % 3 ))
for ((k = 0; k < 300; k++)); do
	[ "$(status "$b" status)" = normal ] && [ "$(status "$b" view)" -gt "$v0" ] && break
	sleep 0.1
done
v1=$(status "$b" view)
[ "$v1" -gt "$v0" ] || fail "no new view after the primary's deletion"
np=$(primary_of "$b")
[ "$np" != "$p" ] || fail "no new primary"
info "new primary $np in view $v1"
writes "$np" 20 after
t=$(<"$tr/trace")
for i in 0 1 2; do
	[ "$i" = "$p" ] && continue
	has "$t" "vsr_view_change_end: vsrlog$i replica=$i status=normal view=$v1 from_view=$v0" \
		"no view_change_end event for replica $i"
	s=$(<"$dbg/vsrlog$i/state")
	has "$s" $'\nview '"$v1"$'\n' "debugfs of replica $i does not show view $v1"
	has "$s" "status normal" "debugfs of replica $i: not normal"
done
has "$t" "vsr_view_change_start: vsrlog* status=view-change view=$v1 from_view=$v0 " \
	"no view_change_start event"
has "$t" "vsr_commit: vsrlog$np replica=$np view=$v1 ops=" \
	"no commit event in the new view"

info "rejoin: replica $p recovers from the new primary"
replica_add "$p" heartbeat 50 timeout 500 || fail "re-add replica $p"
wait_normal "$p" 60 || fail "replica $p does not recover"
t=$(<"$tr/trace")
has "$t" "vsr_fetch_start: vsrlog$p replica=$p purpose=recovery source=$np view=$v1" \
	"no fetch_start event for the recovery"
has "$t" "vsr_fetch_done: vsrlog$p replica=$p purpose=recovery source=$np" \
	"no fetch_done event for the recovery"
has "$t" "vsr_recovery_end: vsrlog$p replica=$p status=normal view=$v1" \
	"no recovery_end event for the rejoined replica"
has "$t" "vsr_peer_silent: vsrlog$np replica=$np peer=$p" "no peer_silent event"
s=$(<"$dbg/vsrlog$p/state")
has "$s" $'\nview '"$v1"$'\n' "debugfs of the rejoined replica: not in view $v1"
# The peer is "back" at the primary's next check (100 ms); the status
# lines reach the kernel log some 10 ms after the change.
back="vsrlog$np: peer $p ($(addr "$p"):$VSR_PORT) heard again after"
recovered="vsrlog$p: recovery done: view $v1, primary $np"
for ((n = 0; n < 50; n++)); do
	k=$(dmesg)
	[[ $k == *"$back"* && $k == *"$recovered"* ]] && break
	sleep 0.2
done
echo 0 > "$tr/events/vsr/enable"
# For the record: the state and transfer events of the failover and rejoin.
while IFS= read -r l; do
	[[ $l == *vsr_@(view|recovery|fetch|peer|failed)* ]] && echo "# ${l##*: vsr_}"
done <<< "$t"

k=${k##*vsr-selftest-observe: start}
has "$k" "vsrlog$b: view change done: view $v1, primary $np" "no view-change line in the kernel log"
has "$k" "$recovered" "no recovery line in the kernel log"
has "$k" "vsrlog$np: peer $p ($(addr "$p"):$VSR_PORT) silent for" "no peer-silent line"
has "$k" "$back" "no peer-back line"
echo ok
