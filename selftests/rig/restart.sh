#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Durable replicas restarted from their own disks, on three machines of
# mixed kernels ($RIG_KERNELS), each log on its machine's /dev/vda:
#
# 1. A backup's machine loses power; $RIG_BEHIND records (100,000) are
#    written meanwhile, far past the others' checkpoints (retention 4096).
#    It boots, its replica is added back from its disk alone, restarts
#    from it (not refused) and catches up; the three logs agree, and
#    records written through it then are there exactly once.
# 2. Corruption: a backup's machine is powered off, and on the host its
#    disk gets a flipped byte in a superblock copy and in the entry two
#    below the head its record names.  Added back, the replica sees the
#    damage ("cannot restart from"), recovers from the others, and
#    nothing acknowledged is lost.
#
# usage: restart.sh DIR (tools/vm/cluster.sh runs it)
set -u
. "$(dirname "$0")/../../tools/vm/rig.sh"
. "$(dirname "$0")/lib.sh"

rig_init 3 "$1" || fail "rig_init"
trap rig_cleanup EXIT
read -r -a kernels <<< "${RIG_KERNELS:-stock 6.12 stock}"
behind=${RIG_BEHIND:-100000}
[ -x "$RIG_TOP/tools/bench/vsr-load" ] || make -s -C "$RIG_TOP/tools/bench" vsr-load ||
	fail "build tools/bench/vsr-load"
acked=$RIG_DIR/acked
: > "$acked"

boot() {
	local i
	for i in "$@"; do
		rig_start "$i" "${kernels[i]}" || fail "boot guest $i"
	done
	for i in "$@"; do
		rig_wait_ready "$i" || fail "boot guest $i"
	done
}

# readd I: replica I back from its disk alone; fails unless it restarted
# from it (WANT "restarted from") or refused it (WANT "cannot restart").
readd() {
	rig_run "$1" "$VSRADM add vsrlog0 log-file /dev/vda" || fail "re-add node $1 from its disk"
	node_wait "$1" status normal 180 || fail "node $1 not normal after its restart"
	rig_run "$1" "dmesg | grep -e 'restarted from' -e 'cannot restart from'" | sed "s/^/# node $1: /"
	rig_run "$1" "dmesg | grep -q '$2'" || fail "node $1: no '$2' in its kernel log"
}

# writes I TAG N: N records through node I, each waited for.
writes() {
	rig_run "$1" "python3 -S selftests/lib/writer.py /dev/vsrlog0 $2 $3" >> "$acked" ||
		fail "writes on node $1"
}

boot 0 1 2
for i in 0 1 2; do
	node_add "$i" 3 log-file /dev/vda format || fail "add on node $i"
done
for i in 0 1 2; do
	node_wait "$i" status normal 120 || fail "node $i not normal"
done
p=$(node_field 0 primary)
b=$(((p + 1) % 3)) c=$(((p + 2) % 3))
info "primary: node $p (${kernels[p]})"
# Something on every disk first (trimmed from the logs by the end).
rig_run "$b" "python3 -S selftests/lib/writer.py /dev/vsrlog0 before 10" > /dev/null ||
	fail "writes on node $b"

info "1. node $b (${kernels[b]}) loses power; $behind records are written without it"
rig_kill "$b" || fail "kill node $b"
rig_run "$p" "tools/bench/vsr-load -d /dev/vsrlog0 -c 64 -s 64 -n $behind > /dev/null" ||
	fail "writing $behind records"
boot "$b"
readd "$b" "restarted from"
rig_run "$b" "dmesg | grep -q ' 0 ops above it'" && fail "node $b's disk held nothing to restart from"
converge 0 1 2 || fail "logs differ after node $b caught up"
writes "$b" after 10
converge 0 1 2 || fail "logs differ"
exactly_once "$acked" "$RIG_DIR/log.$b" || fail "records written through node $b lost or doubled"

info "2. node $c's disk is damaged while its machine is off"
writes "$p" more 10
# Its record: "... head H checkpoint C ..." (debugfs), with nothing in flight.
rec=$(rig_run "$c" "grep '^journal' /sys/kernel/debug/vsr/vsrlog0/state") || fail "node $c's journal"
h=$(echo "$rec" | sed -n 's/.* head \([0-9]*\) checkpoint \([0-9]*\) .*/\1/p')
ck=$(echo "$rec" | sed -n 's/.* head \([0-9]*\) checkpoint \([0-9]*\) .*/\2/p')
[ -n "$h" ] && [ "$h" -gt $((ck + 3)) ] || fail "node $c's disk holds too few ops: $rec"
rig_kill "$c" || fail "kill node $c"
# The format: four superblock copies of a block each, two checkpoint
# slots, then the ring of 2 * retention + 2048 slots of 4 KiB.
python3 -S - "$(rig_dir "$c")/disk.img" $((h - 2)) <<'PY' || fail "damage node $c's disk"
import sys
path, op = sys.argv[1], int(sys.argv[2])
log_off, slot, slots = 4 * 4096 + 2 * (4096 + 1024 * 32), 4096, 2 * 4096 + 2048
with open(path, 'r+b') as f:
    for off in (100, log_off + (op % slots) * slot + 16):
        f.seek(off)
        b = f.read(1)
        f.seek(off)
        f.write(bytes([b[0] ^ 0x5a]))
PY
boot "$c"
readd "$c" "cannot restart from"
writes "$p" repaired 10
converge 0 1 2 || fail "logs differ after node $c recovered"
exactly_once "$acked" "$RIG_DIR/log.$c" || fail "acknowledged records lost or doubled"
for i in 0 1 2; do
	node_del "$i" > /dev/null
	rig_halt "$i" || fail "guest $i"
done
echo ok
