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
#    disk gets a flipped byte in a superblock copy and in both copies of
#    the ring's slot of the entry two below the head its record names
#    (and in one copy of the entry below that).  Added back, the replica
#    mends the one copy from the other, sees the damage ("cannot restart
#    from"), recovers from the others, and nothing acknowledged is lost.
# 3. I/O errors, with the replica's log on a device-mapper device over
#    the disk: while a writer runs at the primary, the device fails every
#    write (dm-flakey, error_writes): the instance stops (status failed)
#    and the others go on; the device as it was, the replica is added
#    back from it.  Then an error target over both copies of the slot of
#    an op below the head its record names: a read error there is damage, the restart
#    refuses the disk and recovers from the others (before: the add
#    failed, "cannot read the log file").  Nothing acknowledged is lost.
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
	node_direct_is "$i" 1 || fail "node $i: its ring is not written with direct I/O"
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
# slots, then two copies of the ring of 2 * retention + 2048 slots of
# 4 KiB.  Op h - 2 in both copies; op h - 3 in copy 1 only, which the
# restart mends from copy 0.
python3 -S - "$(rig_dir "$c")/disk.img" $((h - 2)) <<'PY' || fail "damage node $c's disk"
import sys
path, op = sys.argv[1], int(sys.argv[2])
log_off, slot, slots = 4 * 4096 + 2 * (4096 + 1024 * 32), 4096, 2 * 4096 + 2048
with open(path, 'r+b') as f:
    for off in (100, log_off + (op % slots) * slot + 16,
                log_off + (slots + op % slots) * slot + 16,
                log_off + (slots + (op - 1) % slots) * slot + 16):
        f.seek(off)
        b = f.read(1)
        f.seek(off)
        f.write(bytes([b[0] ^ 0x5a]))
PY
boot "$c"
readd "$c" "cannot restart from"
rig_run "$c" "dmesg | grep -q 'mended 1 log slots'" || fail "node $c did not mend op $((h - 3))'s copy"
writes "$p" repaired 10
converge 0 1 2 || fail "logs differ after node $c recovered"
exactly_once "$acked" "$RIG_DIR/log.$c" || fail "acknowledged records lost or doubled"

# dm TABLE: node $c's device-mapper device vsrdisk takes TABLE (lines).
dm() {
	rig_run "$c" "printf '$1' | dmsetup reload vsrdisk && dmsetup resume vsrdisk" ||
		fail "dm table on node $c: $1"
}

info "3. I/O errors on node $c: every write fails, then one slot cannot be read"
node_del "$c" > /dev/null || fail "del on node $c"
sz=$(rig_run "$c" "blockdev --getsz /dev/vda") || fail "node $c's disk size"
rig_run "$c" "modprobe dm-flakey && dmsetup create vsrdisk --table '0 $sz linear /dev/vda 0'" ||
	fail "a dm device on node $c"
rig_run "$c" "dmesg -C"
# (No udev in the guest: the kernel's name of the device.)
dev=/dev/$(rig_run "$c" "dmsetup info -c --noheadings -o blkdevname vsrdisk | tr -d ' '") ||
	fail "node $c's dm device"
readd_dev() {
	rig_run "$c" "$VSRADM add vsrlog0 log-file $dev" || fail "re-add node $c from $dev"
	node_wait "$c" status normal 180 || fail "node $c not normal after its restart"
	rig_run "$c" "dmesg | grep -e 'restarted from' -e 'cannot restart from' -e unreadable" |
		sed "s/^/# node $c: /"
}
readd_dev
# The instance holds its block device as a mount would: device mapper
# cannot claim it, nor another instance use it.
if out=$(rig_run "$c" "dmsetup create vsrother --table '0 8 linear $dev 0' 2>&1"); then
	rig_run "$c" "dmsetup remove vsrother"
	fail "device mapper claimed node $c's log device while the instance held it"
fi
echo "$out" | sed -n "1s/^/# node $c: dmsetup: /p"
out=$(rig_run "$c" "$VSRADM add vsrlog1 log-file $dev 2>&1") &&
	fail "a second instance took node $c's log device"
echo "# node $c: $out"
writer_start "$p" ioerr
writer_wait_acked "$p" ioerr 20 || fail "writes before the errors"
rig_run "$c" "dmsetup suspend vsrdisk" || fail "suspend node $c's dm device"
dm "0 $sz flakey /dev/vda 0 0 1 1 error_writes\\n"
node_wait "$c" status failed 60 || fail "node $c went on after a write error"
rig_run "$c" "dmesg | grep 'writing the log file'" | sed "s/^/# node $c: /"
n=$(acked_count "$p" ioerr)
writer_wait_acked "$p" ioerr $((n + 20)) || fail "no writes without node $c"
rig_run "$c" "dmsetup suspend vsrdisk" || fail "suspend node $c's dm device"
dm "0 $sz linear /dev/vda 0\\n"
node_del "$c" > /dev/null || fail "del the failed instance on node $c"
rig_run "$c" "dmesg -C"
readd_dev
writer_stop "$p" ioerr || fail "the writer failed"
cat "$(rig_dir "$p")/ioerr.out" >> "$acked"
converge 0 1 2 || fail "logs differ after node $c came back"
exactly_once "$acked" "$RIG_DIR/log.$c" || fail "acknowledged records lost or doubled"

# A read error on the slot of the op two below the record's head.
rec=$(rig_run "$c" "grep '^journal' /sys/kernel/debug/vsr/vsrlog0/state") || fail "node $c's journal"
h=$(echo "$rec" | sed -n 's/.* head \([0-9]*\) checkpoint \([0-9]*\) .*/\1/p')
ck=$(echo "$rec" | sed -n 's/.* head \([0-9]*\) checkpoint \([0-9]*\) .*/\2/p')
[ -n "$h" ] && [ "$h" -gt $((ck + 3)) ] || fail "node $c's disk holds too few ops: $rec"
node_del "$c" > /dev/null || fail "del on node $c"
# The layout as in step 2, in sectors of 512 bytes: both copies.
s0=$(( (4 * 4096 + 2 * (4096 + 1024 * 32) + ((h - 2) % (2 * 4096 + 2048)) * 4096) / 512 ))
s1=$((s0 + (2 * 4096 + 2048) * 8))
rig_run "$c" "dmsetup suspend vsrdisk" || fail "suspend node $c's dm device"
dm "0 $s0 linear /dev/vda 0\\n$s0 8 error\\n$((s0 + 8)) $((s1 - s0 - 8)) linear /dev/vda $((s0 + 8))\\n$s1 8 error\\n$((s1 + 8)) $((sz - s1 - 8)) linear /dev/vda $((s1 + 8))\\n"
rig_run "$c" "dmesg -C"
rig_run "$c" "$VSRADM add vsrlog0 log-file $dev" || fail "re-add node $c with a slot it cannot read"
rig_run "$c" "dmesg | grep -e 'cannot restart from' -e unreadable" | sed "s/^/# node $c: /"
rig_run "$c" "dmesg | grep -q 'op $((h - 2)) unreadable'" || fail "node $c: no read error at op $((h - 2))"
rig_run "$c" "dmesg | grep -q 'cannot restart from'" || fail "node $c restarted from a disk it could not read"
# (It recovers, and stops when it writes that slot: the device as it was.)
node_del "$c" > /dev/null || fail "del on node $c"
rig_run "$c" "dmsetup suspend vsrdisk" || fail "suspend node $c's dm device"
dm "0 $sz linear /dev/vda 0\\n"
rig_run "$c" "dmesg -C"
readd_dev
writes "$p" unreadable 10
converge 0 1 2 || fail "logs differ after node $c recovered"
exactly_once "$acked" "$RIG_DIR/log.$c" || fail "acknowledged records lost or doubled"
for i in 0 1 2; do
	node_del "$i" > /dev/null
	rig_halt "$i" || fail "guest $i"
done
echo ok
