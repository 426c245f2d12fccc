#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's durable stage, on the rig of separate machines
# (tools/vm/rig.sh): three guests of Debian's kernel, one vCPU each, each
# with two virtio disks of the same kind (files on the host, QEMU's
# writeback cache, so a flush in the guest is an fdatasync on the host).
#
# 1. The floors, between guests 0 and 1: the raw UDP round trip of 64 B
#    (udp-perf rr) and the cost of one flush on /dev/vda, a 4 KiB write
#    with O_DSYNC as the journal writes a batch (flush.py; stages
#    durable_raw and durable_flush): alone, while the other two guests
#    flush too (together 3), and so again while the machines carry the
#    traffic of one writer in memory (load memory-1, after step 2).
# 2. vsr with its log on /dev/vda of each guest (vsradm add ... log-file
#    /dev/vda format), the ring written with direct I/O; the same through
#    the page cache (the module's parameter direct_io off: log buffered);
#    then in memory on the same machines: 1 and 64
#    writers of 64 B on the primary for SECS seconds each (vsr-load); the
#    journal counts (debugfs) of the primary and of a backup give the
#    records per flush and the time a write and a flush took inside vsr
#    (stage durable, system vsr, log durable or memory).
# 3. etcd, a member on each guest, its data directory on an ext4 file
#    system on /dev/vdb with its default fsync on every WAL batch: the
#    same writers, at the leader's endpoint (etcdload; stage durable,
#    system etcd).
#
# Appends its JSON lines to RESULTS.
#
# usage: rig-durable.sh RESULTS DIR SECS FLUSHES   (as root; run.sh)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/vm/rig.sh"
. "$top/selftests/rig/lib.sh"
results=$1 secs=$3 flushes=$4
kernel=${BENCH_RIG_KERNEL:-stock}
load=tools/bench/vsr-load
etcdload=${ETCDLOAD:-$top/build/bench/etcdload}
for f in "$top/$load" "$top/tools/bench/udp-perf" "$etcdload"; do
	[ -x "$f" ] || fail "no $f (make -C tools/bench; tools/bench/etcd/build.sh)"
done
type -P etcd etcdctl > /dev/null || fail "no etcd or etcdctl (tools/deps.sh)"

RIG_DISKS=2 rig_init 3 "$2" || fail "rig_init"
trap rig_cleanup EXIT
rig_boot_all "$kernel" "$kernel" "$kernel" || fail "booting the guests"

# emit JSON KEY=VALUE...: RESULTS gets the JSON object with the keys added
# (numbers stay numbers).
emit() {
	local json=$1
	shift
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    try:
        v = int(v)
    except ValueError:
        pass
    d[k] = v
print(json.dumps(d, sort_keys=True))' "$json" "$@" >> "$results" || fail "bad result: $json"
	tail -n 1 "$results" >&2
}

# guest_json I CMD: CMD's standard output (one JSON object) in guest I;
# its standard error only if it fails.
guest_json() {
	local i=$1
	shift
	rig_run "$i" "$* 2> /tmp/bench.err || { cat /tmp/bench.err; exit 1; }"
}

# journal I: "entries flushes write-us flush-us" of guest I's journal
# (debugfs).
journal() {
	rig_run "$1" "sed -n 's/.* entries \([0-9]*\) flushes \([0-9]*\) write-us \([0-9]*\) flush-us \([0-9]*\) .*/\1 \2 \3 \4/p' \
		/sys/kernel/debug/vsr/vsrlog0/state"
}

# io WHO BEFORE AFTER: the journal's figures over a run, as JSON keys
# with prefix WHO: entries, flushes, and the mean write and flush in µs.
io() {
	local e0 f0 w0 s0 e1 f1 w1 s1 f
	read -r e0 f0 w0 s0 <<< "$2"
	read -r e1 f1 w1 s1 <<< "$3"
	[ -n "$s0" ] && [ -n "$s1" ] || fail "no journal counts: '$2' '$3'"
	f=$((f1 > f0 ? f1 - f0 : 1))
	echo "$1entries=$((e1 - e0)) $1flushes=$((f1 - f0))" \
		"$1write_us=$(((w1 - w0) / f)) $1flush_us=$(((s1 - s0) / f))"
}

# flush_all COUNT LOAD: the flush on guest 0 while the other two guests
# flush too, as every replica does for each op: three emulated disks share
# the host's.  Theirs run twice as long, so that they cover guest 0's.
flush_all() {
	local i res
	for i in 1 2; do
		rig_spawn "$i" flush python3 tools/bench/flush.py /dev/vda $(($1 * 2)) ||
			fail "flush.py on $i"
	done
	res=$(guest_json 0 python3 tools/bench/flush.py /dev/vda "$1") || fail "flush.py: $res"
	emit "$res" stage=durable_flush together=3 load="$2" kernel="$kernel"
	for i in 1 2; do
		rig_spawn_wait "$i" flush 600 || fail "flush.py on $i: $(cat "$(rig_dir "$i")/flush.err")"
	done
}

# 1. The floors.
rig_spawn 1 udp-server tools/bench/udp-perf server -H "$(rig_addr 1)" -p 9000 -t $((secs + 30)) ||
	fail "udp-perf server"
sleep 1
res=$(guest_json 0 tools/bench/udp-perf rr -H "$(rig_addr 1)" -p 9000 -s 64 -t "$secs") ||
	fail "udp-perf rr: $res"
emit "$res" stage=durable_raw kernel="$kernel"
rig_run 1 "pkill -f 'udp-perf server'" > /dev/null
res=$(guest_json 0 python3 tools/bench/flush.py /dev/vda "$flushes") || fail "flush.py: $res"
emit "$res" stage=durable_flush together=1 kernel="$kernel"
flush_all "$flushes" none

# 2. vsr, durable (the ring written directly), durable through the page
# cache (the module's direct_io off), and then in memory.
for mode in durable buffered memory; do
	args='' direct=1
	[ "$mode" != memory ] && args="log-file /dev/vda format"
	[ "$mode" = buffered ] && direct=0
	for i in 0 1 2; do
		rig_run "$i" "echo $direct > /sys/module/vsr/parameters/direct_io" ||
			fail "direct_io on node $i"
		node_add "$i" 3 $args || fail "add ($mode) on node $i"
		[ "$mode" = memory ] ||
			rig_run "$i" "grep -q ' direct $direct\$' /sys/kernel/debug/vsr/vsrlog0/state" ||
			fail "node $i's journal: not direct $direct ($mode)"
	done
	for i in 0 1 2; do
		node_wait "$i" status normal 120 || fail "node $i not normal ($mode)"
	done
	p=$(node_field 0 primary)
	b=$(((p + 1) % 3))
	for c in 1 64; do
		[ "$mode" != memory ] && { jp=$(journal "$p"); jb=$(journal "$b"); }
		res=$(guest_json "$p" "$load" -d /dev/vsrlog0 -c "$c" -s 64 -t "$secs") ||
			fail "vsr-load ($mode, $c writers): $res"
		extra=()
		# The primary's journal, and a backup's.
		# shellcheck disable=SC2207 # words without spaces
		[ "$mode" != memory ] &&
			extra=($(io "" "$jp" "$(journal "$p")") $(io backup_ "$jb" "$(journal "$b")"))
		emit "$res" stage=durable system=vsr log="$mode" kernel="$kernel" "${extra[@]}"
	done
	if [ "$mode" = memory ]; then
		# The flush once more, on all three, while the machines carry
		# one writer's traffic: what a flush costs them then.
		rig_spawn "$p" load "$load" -d /dev/vsrlog0 -c 1 -s 64 -t $((secs * 4)) ||
			fail "vsr-load under the flushes"
		sleep 1
		flush_all "$flushes" memory-1
		rig_spawn_wait "$p" load $((secs * 4 + 60)) ||
			fail "vsr-load under the flushes: $(cat "$(rig_dir "$p")/load.err")"
	fi
	for i in 0 1 2; do
		node_del "$i" > /dev/null || fail "del ($mode) on node $i"
	done
done

# 3. etcd, its data on /dev/vdb.
cluster=
for i in 0 1 2; do
	cluster+="${cluster:+,}e$i=http://$(rig_addr "$i"):2380"
done
for i in 0 1 2; do
	a=$(rig_addr "$i")
	rig_run "$i" "mkfs.ext4 -q -F /dev/vdb && mkdir -p /tmp/etcd && mount /dev/vdb /tmp/etcd" ||
		fail "ext4 on node $i's /dev/vdb"
	rig_spawn "$i" etcd etcd --name "e$i" --data-dir /tmp/etcd/data \
		--listen-peer-urls "http://$a:2380" --initial-advertise-peer-urls "http://$a:2380" \
		--listen-client-urls "http://$a:2379" --advertise-client-urls "http://$a:2379" \
		--initial-cluster "$cluster" --initial-cluster-state new \
		--initial-cluster-token vsr-bench-rig || fail "etcd on node $i"
done
endpoints=$(rig_peers 3 | sed 's/:7000/:2379/g')
end=$((SECONDS + 120))
until rig_run 0 "ETCDCTL_API=3 etcdctl --endpoints=$endpoints endpoint health" > /dev/null 2>&1; do
	[ $SECONDS -lt $end ] || fail "etcd not healthy: $(tail -n 5 "$(rig_dir 0)/etcd.err")"
	sleep 1
done
leader=$(rig_run 0 "ETCDCTL_API=3 etcdctl --endpoints=$endpoints endpoint status -w json" |
	python3 -c '
import json, sys
for m in json.load(sys.stdin):
    if m["Status"]["leader"] == m["Status"]["header"]["member_id"]:
        print(m["Endpoint"])
        break
else:
    sys.exit("no leader")') || fail "etcd has no leader"
l=${leader#10.78.0.}
l=$((${l%%:*} - 1))
echo "# etcd: leader $leader (node $l)" >&2
# Fresh members are busy for a while (WAL preallocation, Go's warm-up).
guest_json "$l" "$etcdload" --endpoints "$leader" --clients 1 --size 64 --duration 2s > /dev/null ||
	fail "etcdload warm-up"
for c in 1 64; do
	res=$(guest_json "$l" "$etcdload" --endpoints "$leader" --clients "$c" --size 64 \
		--duration "${secs}s") || fail "etcdload ($c clients): $res"
	emit "$res" stage=durable system=etcd log=durable kernel="$kernel"
done
for i in 0 1 2; do
	rig_run "$i" "pkill etcd; sleep 1; umount /tmp/etcd" > /dev/null
	rig_halt "$i" || fail "node $i: unclean kernel log or unload"
done
