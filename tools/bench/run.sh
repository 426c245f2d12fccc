#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: build vsr.ko (stock kernel), vsradm, the load generators and
# the etcd client, boot one guest that runs tools/bench/bench.sh, and write
# the report (report.md, summary.json, PNG plots) next to the raw results.
#
#   BENCH_SMOKE=1        the seconds-long version (make check runs it)
#   BENCH_STAGES="..."   a subset of the stages (see bench.sh), and two on
#                        the rig of separate machines (on the host, as
#                        root, after the guest): rig, the reconfig stage
#                        there (tools/bench/rig-reconfig.sh), and durable,
#                        vsr's durable log against etcd on virtio disks
#                        (tools/bench/rig-durable.sh)
#   BENCH_PERF=1         a perf profile of each vsr load (see bench.sh)
#   BENCH_RESULTS=DIR    results directory (default build/bench/<date>,
#                        build/bench/smoke for the smoke run)
#
# The host should be otherwise idle: the guest's two vCPUs and QEMU's main
# loop already share its two cores.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
smoke=${BENCH_SMOKE:-0}
stages=${BENCH_STAGES:-raw vsr open mtu failover catchup reconfig auth etcd rig durable}
# The guest runs every stage but those on the rig.
guest_stages=$(echo " $stages " | sed 's/ rig / /; s/ durable / /; s/^ *//; s/ *$//')
if [ "$smoke" = 1 ]; then
	out=${BENCH_RESULTS:-$top/build/bench/smoke}
else
	out=${BENCH_RESULTS:-$top/build/bench/$(date +%Y%m%d-%H%M%S)}
fi

tools/check.sh build stock > /dev/null || { echo "bench: building vsr.ko failed" >&2; exit 1; }
make -s -C tools/vsradm
make -s -C tools/bench
etcdload=
case " $stages " in
*" etcd "* | *" durable "*)
	tools/bench/etcd/build.sh >&2 || { echo "bench: building the etcd client failed" >&2; exit 1; }
	etcdload=$top/build/bench/etcdload ;;
esac

rm -rf "$out"
mkdir -p "$out"
echo "bench: results in $out" >&2

# The auth stage's flood comes from the host, as an attacker's would: the
# guest gets a NIC of QEMU's UDP socket backend (bound to 127.0.0.1 only,
# so nothing leaves the machine), asks for a flood by writing vsr-flood's
# arguments to flood.req in the shared results directory, and finds the
# flooder's report in flood.json.
flood_mac=52:54:00:76:73:72
qemu_args= flood_pid=
free_udp_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
flood_service() {
	local args
	while sleep 0.2; do
		[ -f "$out/flood.req" ] || continue
		read -r -a args < "$out/flood.req" || true
		rm -f "$out/flood.req"
		tools/bench/vsr-flood "${args[@]}" -e "127.0.0.1:$1" -m "$flood_mac" \
			> "$out/flood.tmp" 2> "$out/flood.err" || echo '{"error": "vsr-flood failed"}' > "$out/flood.tmp"
		mv "$out/flood.tmp" "$out/flood.json"
	done
}
case " $stages " in
*" auth "*)
	qport=$(free_udp_port) sink=$(free_udp_port)
	qemu_args="-netdev socket,id=flood,udp=127.0.0.1:$sink,localaddr=127.0.0.1:$qport"
	qemu_args+=" -device virtio-net-pci,netdev=flood,mac=$flood_mac"
	flood_service "$qport" &
	flood_pid=$!
	trap 'kill $flood_pid 2>/dev/null' EXIT ;;
esac

# A soft lockup panics the guest, which prints the stuck task's stack
# (at the console's log level the warning alone shows no stack) and ends
# the run at once rather than at its timeout: it happened once, in the
# reconfig stage (2026-12-05, python3 stuck on a vCPU for 400 s).
[ -z "$guest_stages" ] ||
VSR_VM_APPEND="softlockup_panic=1${VSR_VM_APPEND:+ $VSR_VM_APPEND}" \
VSR_VM_MEM=${VSR_VM_MEM:-4096} VSR_VM_QEMU_ARGS=$qemu_args \
	tools/vm/run.sh -k stock -t 2400 -o "$out" \
	"VSR_KO=$top/build/stock/vsr_mod/vsr.ko VSRADM=$top/tools/vsradm/vsradm \
	 ETCDLOAD=$etcdload BENCH_SMOKE=$smoke BENCH_STAGES='$guest_stages' BENCH_FLOOD_MAC=$flood_mac \
	 BENCH_PERF='${BENCH_PERF:-0}' BENCH_SIZES='${BENCH_SIZES:-}' BENCH_CLIENTS='${BENCH_CLIENTS:-}' \
	 BENCH_BACKUP_CLIENTS='${BENCH_BACKUP_CLIENTS:-}' BENCH_AUTH_ROUNDS='${BENCH_AUTH_ROUNDS:-}' \
	 BENCH_AUTH_SIZES='${BENCH_AUTH_SIZES:-}' BENCH_AUTH_FLOOD='${BENCH_AUTH_FLOOD:-1}' \
	 tools/bench/bench.sh" >&2 ||
	{ echo "bench: the guest run failed (logs in $out)" >&2; exit 1; }

case " $stages " in
*" rig "*)
	# As bench.sh's reconfig stage: its largest count, 4 x its seconds;
	# five changes asked each way (the pauses spread from 3 to 16 round
	# trips on the host's two cores: a median of three swung widely).
	rig_args=(100000 5 5)
	[ "$smoke" = 1 ] && rig_args=(2000 1 1)
	echo "bench: the rig: a replace between separate machines, after ${rig_args[0]} records" >&2
	tools/bench/rig-reconfig.sh "$out/results.jsonl" "$out/rig" "${rig_args[@]}" > "$out/rig.log" 2>&1 ||
		{ tail -n 20 "$out/rig.log" >&2; echo "bench: the rig stage failed (logs in $out/rig)" >&2; exit 1; } ;;
esac
case " $stages " in
*" durable "*)
	# Seconds per point as bench.sh's, and flushes to time.
	dur_args=(5 1000)
	[ "$smoke" = 1 ] && dur_args=(1 50)
	echo "bench: durable: vsr's durable log and etcd, on the rig's virtio disks" >&2
	ETCDLOAD=$etcdload tools/bench/rig-durable.sh "$out/results.jsonl" "$out/durable" "${dur_args[@]}" \
		> "$out/durable.log" 2>&1 ||
		{ tail -n 20 "$out/durable.log" >&2
		  echo "bench: the durable stage failed (logs in $out/durable)" >&2; exit 1; } ;;
esac

check=
[ "$smoke" = 1 ] && check=--check
python3 tools/bench/report.py "$out" $check
echo "bench: report in $out/report.md"
