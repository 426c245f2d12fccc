#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job, run inside the guest by `make demo`: a 3-replica vsr
# cluster, each replica in its own network namespace, writers on every
# node and a follower reading the log; midway the primary is destroyed,
# the cluster elects a new one and goes on.  With INTERACTIVE=1 the
# cluster stays up and a shell is opened.
set -u
: "${VSR_KO:?}" "${VSRADM:?}"
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib/cluster.sh"
export PATH=$(dirname "$VSRADM"):$PATH
tmp=$(mktemp -d)

step() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }
show() {
	local i
	for ((i = 0; i < 3; i++)); do
		ip netns exec "$(ns "$i")" vsradm show "vsrlog$i" 2>/dev/null |
			sed -n '1,2p'
	done
}

for dep in $(modinfo -F depends "$VSR_KO" | tr , ' '); do
	modprobe "$dep"
done
step "kernel $(uname -r): 3 replicas in netns vsr-r0..2 (10.77.0.1-3:7000)"
cluster_up 3 heartbeat 50 timeout 500 client-timeout 20000
for i in 0 1 2; do
	echo "ip netns exec vsr-r$i vsradm add vsrlog$i replica $i peers $(peers 3) cluster 77"
done
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i did not come up"
done
show

step "following the log on replica 1: vsradm log vsrlog1 -f"
ip netns exec vsr-r1 vsradm log vsrlog1 -f > "$tmp/follow" 2>&1 &
follower=$!

step "writers on every node (one session per writer)"
for i in 0 1 2; do
	python3 "$VSR_LIB/writer.py" "/dev/vsrlog$i" "node$i" 150 0.02 \
		> "$tmp/acked.$i" 2>/dev/null &
done
sleep 2
head -n 5 "$tmp/follow" | sed 's/^/  follow: /'
step "vsradm show, before"
show

p=$(primary_of 0)
step "killing the primary: ip netns exec vsr-r$p vsradm del vsrlog$p"
ip netns exec "$(ns "$p")" vsradm del "vsrlog$p"
wait $(jobs -p | grep -v "^$follower$") 2>/dev/null
s=$(( (p + 1) % 3 ))
step "vsradm show, after (replica $p is gone)"
show
np=$(primary_of "$s")
echo "new primary: replica $np, view $(status "$s" view)"

step "what the writers got acknowledged, and the follower saw"
c=$(status "$np" commit)
for i in 0 1 2; do
	[ "$i" = "$p" ] && continue
	wait_commit "$i" "$c" 30
	dump "$i" "$tmp/log.$i"
done
cat "$tmp"/acked.* > "$tmp/acked"
echo "acknowledged writes: $(wc -l < "$tmp/acked") ($(for i in 0 1 2; do printf 'node%d %d  ' "$i" "$(wc -l < "$tmp/acked.$i")"; done))"
logs=$(ls "$tmp"/log.*)
if same_logs $logs && exactly_once "$tmp/acked" "$(echo "$logs" | head -n1)"; then
	echo "survivors' logs are identical; every acknowledged record is in them exactly once"
else
	echo "DEMO FAILED: logs differ or records lost"
	exit 1
fi
sleep 0.5
echo "follower printed $(grep -c . "$tmp/follow") records, last: $(tail -n 1 "$tmp/follow")"
kill "$follower" 2>/dev/null

if [ -n "${INTERACTIVE:-}" ]; then
	step "the cluster is up: try 'ip netns exec vsr-r$s vsradm show', 'echo hi > /dev/vsrlog$s'"
	bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
fi
cluster_cleanup
