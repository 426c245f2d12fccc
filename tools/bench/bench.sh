#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark, run inside the guest by `make bench` (tools/bench/run.sh):
# the raw network, vsr and etcd measured in one boot on one topology (three
# network namespaces, veth to a bridge; see selftests/lib/cluster.sh).
# Every figure is one JSON object appended to $BENCH_OUT/results.jsonl;
# tools/bench/report.py turns them into the report.
#
#   BENCH_OUT=DIR       where results go (default: the rig's output dir)
#   BENCH_SMOKE=1       seconds-long version of every stage (make check)
#   BENCH_STAGES="..."  subset of: raw vsr open mtu failover catchup reconfig
#                       auth etcd
#   BENCH_SIZES, BENCH_CLIENTS, BENCH_BACKUP_CLIENTS: other record sizes and
#                       writer counts (quick experiments)
#   BENCH_AUTH_ROUNDS, BENCH_AUTH_SIZES: the auth stage's rounds and record
#                       sizes; BENCH_AUTH_FLOOD=0 leaves out its flood
#                       (quick experiments)
#   BENCH_PERF=1        profile every vsr load with perf (the host's, shared
#                       read-only): perf-N.txt next to the results, its
#                       first line the load it profiled (where the CPU goes,
#                       not a figure of the report)
set -u
: "${VSR_KO:?}" "${VSRADM:?}"
ETCDLOAD=${ETCDLOAD:-}
BENCH_OUT=${BENCH_OUT:-${VSR_OUT:?}}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib/cluster.sh"
bin=$top/tools/bench
out=$BENCH_OUT/results.jsonl
tmp=$(mktemp -d)
mkdir -p "$BENCH_OUT"
: > "$out"

if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	secs=1 sizes="64 16384" clients="1 4" backup_clients="4"
	failover_sets="short" failover_reps=1 catchup_counts="2000"
	etcd_clients="4" etcd_sizes="64" mtu_sizes="16384" auth_rounds=1
else
	secs=5 sizes="64 1024 16384" clients="1 4 16 64" backup_clients="1 4 16 64"
	failover_sets="default short" failover_reps=3 catchup_counts="10000 100000"
	etcd_clients="1 4 16 64" etcd_sizes="64 1024 16384" mtu_sizes="64 1024 16384"
	auth_rounds=5
fi
sizes=${BENCH_SIZES:-$sizes} clients=${BENCH_CLIENTS:-$clients}
backup_clients=${BENCH_BACKUP_CLIENTS:-$backup_clients}
stages=${BENCH_STAGES:-raw vsr open mtu failover catchup reconfig auth etcd}
# The auth stage: record sizes at 64 writers, and the forged datagrams per
# second (and their size) of its flood.
auth_sizes=${BENCH_AUTH_SIZES:-64 16384} flood_rate=100000 flood_size=1024
auth_rounds=${BENCH_AUTH_ROUNDS:-$auth_rounds} auth_flood=${BENCH_AUTH_FLOOD:-1}
# Tunables of the vsr cluster: the defaults, but a client timeout no
# emulated-CPU stall can reach.
VSR_TUN="client-timeout 60000"
# Short timeouts of the failover run (ms).
SHORT_HB=20 SHORT_TO=200

say() { echo "# bench: $*" >&2; }
want() { case " $stages " in *" $1 "*) return 0 ;; esac; return 1; }
in_ns() { local i=$1; shift; ip netns exec "$(ns "$i")" "$@"; }

# record KEY=VALUE... -- CMD...: run CMD, which prints one JSON object, add
# the keys to it and append it to the results.  A failing CMD fails the
# benchmark: a figure that is missing is a bug, not a zero.
record() {
	local kv=()
	while [ "$1" != -- ]; do kv+=("$1"); shift; done
	shift
	local res
	res=$("$@") || fail "measurement failed: $*"
	python3 - "$res" "${kv[@]}" >> "$out" <<'PY' || fail "bad output of a measurement: $res"
import json, sys
d = json.loads(sys.argv[1])
for kv in sys.argv[2:]:
    k, v = kv.split('=', 1)
    try:
        v = json.loads(v)
    except ValueError:
        pass
    d[k] = v
print(json.dumps(d, sort_keys=True))
PY
	tail -n 1 "$out" >&2
}

# stats I: replica I's counters, as "prepares commit".
stats() {
	"$VSRADM" -n "$(ns "$1")" -j show "vsrlog$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(d["stats"]["prepares"], d["commit"])'
}

set_mtu() {
	local i
	for ((i = 0; i < 3; i++)); do
		ip -n "$(ns "$i")" link set eth0 mtu "$1"
		ip -n "$VSR_HUB" link set "p$i" mtu "$1"
	done
	ip -n "$VSR_HUB" link set br0 mtu "$1"
}

# raw MTU: the network's own limits between replicas 0 and 1.
#
# Under TCG a wakeup of a task on the other vCPU waits for that vCPU's next
# timer tick (milliseconds), so two processes on two vCPUs measure the
# emulator, not the network.  vsr's commit path stays on one CPU (veth
# delivers on the sending CPU, the rx work is queued there), so the floor
# it is compared with is the round trip with both ends on CPU 0 ("pinned");
# the unpinned round trip is recorded too.
raw() {
	local mtu=$1 s srv pin
	for pin in 0 -1; do
		if [ "$pin" = 0 ]; then
			in_ns 1 taskset -c 0 "$bin/udp-perf" server -p 9000 &
		else
			in_ns 1 "$bin/udp-perf" server -p 9000 &
		fi
		srv=$!
		sleep 0.5
		for s in $sizes; do
			if [ "$pin" = 0 ]; then
				record stage=raw mtu="$mtu" pinned=true -- \
					in_ns 0 taskset -c 0 "$bin/udp-perf" rr -H "$(addr 1)" \
					-p 9000 -s "$s" -t "$secs"
				record stage=raw mtu="$mtu" pinned=true -- \
					in_ns 0 taskset -c 0 "$bin/udp-perf" stream \
					-H "$(addr 1)" -p 9000 -s "$s" -t "$secs"
			else
				record stage=raw mtu="$mtu" pinned=false -- \
					in_ns 0 "$bin/udp-perf" rr -H "$(addr 1)" -p 9000 \
					-s "$s" -t "$secs"
				record stage=raw mtu="$mtu" pinned=false -- \
					in_ns 0 "$bin/udp-perf" stream -H "$(addr 1)" -p 9000 \
					-s "$s" -t "$secs"
			fi
		done
		kill "$srv"
		wait "$srv" 2>/dev/null
	done
}

vsr_up() {
	local i
	grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
	for ((i = 0; i < 3; i++)); do
		replica_add "$i" $VSR_TUN "$@" || fail "vsradm add replica $i"
	done
	for ((i = 0; i < 3; i++)); do
		wait_normal "$i" 60 || fail "replica $i not normal"
	done
}

vsr_down() {
	local i
	for ((i = 0; i < 5; i++)); do
		in_ns "$i" "$VSRADM" del "vsrlog$i" 2>/dev/null
	done
	true
}

# BENCH_PERF: a system-wide profile around one load (the guest has no
# PMU under TCG: the cpu-clock software event).
perf_n=0 perf_pid=
perf_start() {
	perf_n=$((perf_n + 1))
	perf record -q -a -g -e cpu-clock -o "$tmp/perf.data" > /dev/null 2>&1 &
	perf_pid=$!
	sleep 1
}
perf_stop() {
	kill -INT "$perf_pid"
	wait "$perf_pid"
	{
		echo "# $1"
		perf report -i "$tmp/perf.data" --stdio --no-children \
			--sort sym --percent-limit 0.5 -g none 2>/dev/null
	} > "$BENCH_OUT/perf-$perf_n.txt"
	rm -f "$tmp/perf.data"
}

# load ROLE REPLICA KV... -- ARGS...: vsr-load on REPLICA's device, with the
# primary's PREPAREs counted around it (records per PREPARE: batching).
# Recorded as stage $load_stage (vsr unless set).
load() {
	local role=$1 r=$2 p kv=() before after res
	shift 2
	while [ "$1" != -- ]; do kv+=("$1"); shift; done
	shift
	p=$(primary_of "$r")
	before=$(stats "$p")
	[ "${BENCH_PERF:-0}" = 1 ] && perf_start
	res=$(in_ns "$r" "$bin/vsr-load" -d "/dev/vsrlog$r" "$@") ||
		fail "vsr-load $* on replica $r failed: $res"
	[ "${BENCH_PERF:-0}" = 1 ] && perf_stop "${load_stage:-vsr} $role ${kv[*]} $*"
	after=$(stats "$p")
	record stage="${load_stage:-vsr}" role="$role" "${kv[@]}" \
		prepares=$((${after% *} - ${before% *})) \
		ops=$((${after#* } - ${before#* })) -- printf '%s\n' "$res"
}

# vsr_closed MTU CLIENTS SIZES: closed-loop runs on the primary and a backup.
vsr_closed() {
	local mtu=$1 cl=$2 sz=$3 p b s c
	p=$(primary_of 0)
	b=$(( (p + 1) % 3 ))
	for s in $sz; do
		for c in $cl; do
			load primary "$p" mtu="$mtu" -- -c "$c" -s "$s" -t "$secs"
		done
	done
	[ "$mtu" = 1500 ] || return 0
	for s in $sz; do
		for c in $backup_clients; do
			load backup "$b" mtu="$mtu" -- -c "$c" -s "$s" -t "$secs"
		done
	done
}

# vsr_open: open-loop runs at 50 % and 90 % of the best closed-loop rate of
# each size on the primary, with as many clients as that best run.
vsr_open() {
	local p s best c rate pct
	p=$(primary_of 0)
	for s in $sizes; do
		best=$(python3 - "$out" "$s" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
rs = [r for r in rs if r.get('stage') == 'vsr' and r.get('role') == 'primary'
      and r.get('mode') == 'closed' and r['size'] == int(sys.argv[2])
      and r.get('mtu') == 1500]
b = max(rs, key=lambda r: r['records_per_s'])
print(b['clients'], b['records_per_s'])
PY
) || fail "no closed-loop result for size $s"
		c=${best% *}
		for pct in 50 90; do
			rate=$(python3 -c "print(max(1, int(${best#* } * $pct / 100)))")
			load primary "$p" mtu=1500 load_pct="$pct" -- \
				-c "$c" -s "$s" -t "$secs" -r "$rate"
		done
	done
}

# failover SET: kill the primary under a backup's writes; time to the first
# commit in the new view, measured by the writer on the backup.
failover() {
	local set=$1 rep p b to
	for ((rep = 0; rep < failover_reps; rep++)); do
		if [ "$set" = short ]; then
			vsr_up heartbeat "$SHORT_HB" timeout "$SHORT_TO"
			to=$SHORT_TO
		else
			vsr_up
			to=$VSR_DEFAULT_TIMEOUT
		fi
		p=$(primary_of 0)
		b=$(( (p + 1) % 3 ))
		record stage=failover timeouts="$set" view_change_timeout_ms="$to" -- \
			in_ns "$b" "$bin/vsr-failover" -d "/dev/vsrlog$b" -- \
			ip netns exec "$(ns "$p")" "$VSRADM" del "vsrlog$p"
		vsr_down
	done
}

# catchup COUNT: a backup recreated empty while COUNT records went by
# catches up under foreground load on the primary.
catchup() {
	local n=$1 p b fg
	vsr_up
	p=$(primary_of 0)
	b=$(( (p + 1) % 3 ))
	in_ns "$b" "$VSRADM" del "vsrlog$b"
	in_ns "$p" "$bin/vsr-load" -d "/dev/vsrlog$p" -c 16 -s 64 -n "$n" > /dev/null ||
		fail "filling $n records"
	in_ns "$p" "$bin/vsr-load" -d "/dev/vsrlog$p" -c 16 -s 64 -t $((secs * 4)) \
		> "$tmp/fg.json" &
	fg=$!
	sleep 1
	record stage=catchup records="$n" -- \
		python3 "$bin/catchup.py" "$VSRADM" "$(ns "$p")" "vsrlog$p" \
		"$(ns "$b")" "vsrlog$b" -- \
		ip netns exec "$(ns "$b")" "$VSRADM" add "vsrlog$b" replica "$b" \
		peers "$(peers 3)" cluster 77 $VSR_TUN
	wait "$fg" || fail "foreground load during catch-up"
	record stage=catchup_fg records="$n" -- cat "$tmp/fg.json"
	vsr_down
}

# reconfig COUNT: replace a backup by a new machine after COUNT records,
# twice.  A joining instance in namespace 3 takes the place of a backup,
# asked at the primary, while 16 writers of 64 B run there: the new member
# learns the log meanwhile, then the change commits; the same load just
# before is the baseline.  Then, with one writer alone (reconfig.py
# --writer), one in namespace 4 takes the place of the first, and so on,
# a warm-up and five times: the write the switch held, in the writer's
# median writes before, is the pause.
reconfig() {
	local n=$1 p b c i fg phase rep stage new old t=$((secs * 4))
	vsr_up
	p=$(primary_of 0)
	b=$(( (p + 1) % 3 ))
	c=$(( (p + 2) % 3 ))
	in_ns "$p" "$bin/vsr-load" -d "/dev/vsrlog$p" -c 16 -s 64 -n "$n" > /dev/null ||
		fail "filling $n records"
	for i in 3 4; do
		in_ns "$i" "$VSRADM" add "vsrlog$i" join "$(addr "$i"):$VSR_PORT" cluster 77 \
			$VSR_TUN || fail "add vsrlog$i join"
	done
	for phase in baseline change; do
		in_ns "$p" "$bin/vsr-load" -d "/dev/vsrlog$p" -c 16 -s 64 -t "$t" \
			> "$tmp/fg.json" &
		fg=$!
		if [ "$phase" = change ]; then
			sleep 1
			record stage=reconfig records="$n" -- \
				python3 "$bin/reconfig.py" "$VSRADM" "$(ns "$p")" "vsrlog$p" \
				"$(ns 3)" vsrlog3 "$(addr "$p"):$VSR_PORT,$(addr "$b"):$VSR_PORT,$(addr 3):$VSR_PORT"
		fi
		wait "$fg" || fail "foreground load ($phase)"
		record stage=reconfig_fg records="$n" phase="$phase" -- cat "$tmp/fg.json"
	done
	[ "$(status "$c" status)" = removed ] || fail "the replaced backup $c is not removed"
	# A change to warm up (rep 0, reported apart: after 10,000 records,
	# the guest's first with one writer paused 10 to 32 round trips every
	# time, the later ones 3 to 12), then five, 4 and 3 taking turns: one
	# stall of the emulated machine at the switch does not make the median.
	for i in 1 2 3 4 5 6; do
		rep=$((i - 1)) stage=reconfig_pause
		[ "$rep" = 0 ] && stage=reconfig_pause_warmup
		new=$(( i % 2 ? 4 : 3 )) old=$(( i % 2 ? 3 : 4 ))
		if [ "$i" -gt 1 ]; then
			in_ns "$new" "$VSRADM" del "vsrlog$new"
			in_ns "$new" "$VSRADM" add "vsrlog$new" join "$(addr "$new"):$VSR_PORT" \
				cluster 77 $VSR_TUN || fail "add vsrlog$new join again"
		fi
		record stage="$stage" records="$n" rep="$rep" -- \
			python3 "$bin/reconfig.py" --writer "/dev/vsrlog$p" "$VSRADM" \
			"$(ns "$p")" "vsrlog$p" "$(ns "$new")" "vsrlog$new" \
			"$(addr "$p"):$VSR_PORT,$(addr "$b"):$VSR_PORT,$(addr "$new"):$VSR_PORT"
		[ "$(status "$old" status)" = removed ] || fail "the replaced $old is not removed"
	done
	vsr_down
}

etcd_stage() {
	local s c
	[ -x "$ETCDLOAD" ] || fail "no etcd load client (ETCDLOAD=$ETCDLOAD)"
	. "$bin/etcd/cluster.sh"
	etcd_up 3 || fail "etcd did not start"
	for s in $etcd_sizes; do
		for c in $etcd_clients; do
			record stage=etcd mtu=1500 -- in_ns 0 "$ETCDLOAD" \
				--endpoints "$(etcd_endpoints)" --clients "$c" \
				--size "$s" --duration "${secs}s"
		done
	done
	etcd_down
}

trap 'type etcd_down >/dev/null 2>&1 && etcd_down; vsr_down; cluster_cleanup; rm -rf "$tmp"' EXIT
VSR_DEFAULT_TIMEOUT=1000
for dep in $(modinfo -F depends "$VSR_KO" | tr , ' '); do
	modprobe "$dep"
done
# Namespaces 3 and 4 are the new machines of the reconfig stage; the
# cluster is 0-2.
cluster_net 5
VSR_N=3
# The key id of a key file (Documentation/protocol.rst, "Authentication").
key_id() {
	python3 - "$1" <<'PY'
import base64, hashlib, struct, sys
k = base64.b64decode(open(sys.argv[1]).read().strip(), validate=True)
print('%08x' % struct.unpack('<I', hashlib.blake2s(b'vsr key id 1', key=k).digest()[:4])[0])
PY
}

# flood_nic NS: move the NIC of the host's flood (BENCH_FLOOD_MAC, see
# tools/bench/run.sh) into namespace NS and bring it up; print its name.
# It needs no address: what it delivers is for an address of NS.
flood_nic() {
	local dev mac
	modprobe virtio_net || return 1
	for dev in /sys/class/net/*; do
		mac=$(cat "$dev/address")
		[ "$mac" = "${BENCH_FLOOD_MAC:-}" ] || continue
		ip link set "${dev##*/}" name flood0 netns "$1" || return 1
		ip -n "$1" link set flood0 up || return 1
		echo flood0
		return 0
	done
	# Already moved, by an earlier flood.
	ip -n "$1" link show flood0 > /dev/null 2>&1 && { echo flood0; return 0; }
	echo "no NIC with address ${BENCH_FLOOD_MAC:-(none: BENCH_FLOOD_MAC unset)}" >&2
	return 1
}

# flood_stats I: replica I's flood counters, as "nic_rx drop_auth
# drop_nomem drop_flood": what reached its NIC from the host, what failed
# the MAC, what its receive path dropped before the MAC (that address's
# queue full, or its charges: protocol.rst, "Authentication"), and of
# those what it dropped for the charges (rx-flood-drops in debugfs).
flood_stats() {
	local rx fd
	rx=$(ip netns exec "$(ns "$1")" cat /sys/class/net/flood0/statistics/rx_packets) || return 1
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	fd=$(sed -n 's/^engine .* rx-flood-drops \([0-9]*\).*/\1/p' \
		"/sys/kernel/debug/vsr/vsrlog$1/state")
	[ -n "$fd" ] || return 1
	echo "$rx $(status "$1" drop-auth) $(status "$1" drop-nomem) $fd"
}

# auth_flood P: the keyed primary P under a flood of forged datagrams from
# a backup's address, each of which costs it a MAC, while 64 writers of
# 64 B run.  The flood comes from the host (vsr-flood there, through a NIC
# of the guest), so the forger does not take the guest's CPUs.
auth_flood() {
	local p=$1 kid=$2 b before after fl
	b=$(( (p + 1) % 3 ))
	flood_nic "$(ns "$p")" > /dev/null || fail "the flood's NIC"
	before=$(flood_stats "$p") || fail "flood counters of $p"
	rm -f "$BENCH_OUT/flood.json"
	echo "-f $(addr "$b"):$VSR_PORT -t $(addr "$p"):$VSR_PORT -c 77 -r $b -k $kid -s $flood_size -p $flood_rate -d $((secs + 2))" \
		> "$BENCH_OUT/flood.req.tmp"
	mv "$BENCH_OUT/flood.req.tmp" "$BENCH_OUT/flood.req"
	sleep 1
	load_stage=auth load primary "$p" auth=key round=1 flood="$flood_rate" -- \
		-c 64 -s 64 -t "$secs"
	for ((fl = 0; fl < 300; fl++)); do
		[ -f "$BENCH_OUT/flood.json" ] && break
		sleep 0.1
	done
	[ -f "$BENCH_OUT/flood.json" ] || fail "the host's flooder did not report"
	grep -q '"error"' "$BENCH_OUT/flood.json" && fail "the host's flooder failed"
	after=$(flood_stats "$p") || fail "flood counters of $p"
	set -- $before $after
	record stage=auth_flood size="$flood_size" from=host \
		nic_rx=$(($5 - $1)) drop_auth=$(($6 - $2)) drop_nomem=$(($7 - $3)) \
		drop_flood=$(($8 - $4)) \
		-- cat "$BENCH_OUT/flood.json"
}

# auth: 64 writers on the primary of a cluster without a key, of one with
# a key and of one that also encrypts, in the same run (their ratios are
# the cost of authentication and of encryption).  The points without and
# with a key are run in $auth_rounds alternating rounds, each on a cluster
# of its own, in turn first and second, and the report takes their
# medians: their ratio from one pair of 5 s points ranged from 0.67 to
# 1.17 between runs here.
# The first round also floods the keyed cluster (auth_flood).
auth_stage() {
	local key=$tmp/cluster.key mode p s kid round
	(umask 077 && "$VSRADM" genkey > "$key") || fail "vsradm genkey"
	kid=$(key_id "$key") || fail "key id of $key"
	for ((round = 1; round <= auth_rounds; round++)); do
		# ABBA: a drift over the run (the guest's memory, the host's
		# load) favours neither.
		modes="none key"
		[ $((round % 2)) = 0 ] && modes="key none"
		[ "$round" = 1 ] && modes+=" encrypt"
		for mode in $modes; do
			case $mode in
			none) vsr_up ;;
			key) vsr_up key-file "$key" ;;
			encrypt) vsr_up key-file "$key" encrypt on ;;
			esac
			p=$(primary_of 0)
			for s in $auth_sizes; do
				load_stage=auth load primary "$p" auth="$mode" round="$round" -- \
					-c 64 -s "$s" -t "$secs"
			done
			[ "$mode" = key ] && [ "$round" = 1 ] && [ "$auth_flood" = 1 ] &&
				auth_flood "$p" "$kid"
			vsr_down
		done
	done
}

say "guest: $(nproc) CPUs, kernel $(uname -r), stages: $stages"
python3 -c 'import json, os; print(json.dumps({"stage": "env", "cpus": os.cpu_count(), "kernel": os.uname().release, "smoke": os.environ.get("BENCH_SMOKE") == "1", "seconds_per_point": '"$secs"'}))' >> "$out"

if want raw; then
	say "raw UDP, MTU 1500"
	raw 1500
fi
if want vsr || want open; then
	vsr_up
	if want vsr; then
		say "vsr closed loop, MTU 1500"
		vsr_closed 1500 "$clients" "$sizes"
	fi
	if want open; then
		say "vsr open loop"
		vsr_open
	fi
	vsr_down
fi
if want mtu; then
	say "MTU 65535: raw and vsr"
	set_mtu 65535
	raw 65535
	vsr_up
	vsr_closed 65535 "1 64" "$mtu_sizes"
	vsr_down
	set_mtu 1500
fi
if want failover; then
	for set in $failover_sets; do
		say "failover, $set timeouts"
		failover "$set"
	done
fi
if want catchup; then
	for n in $catchup_counts; do
		say "catch-up of a backup $n records behind"
		catchup "$n"
	done
fi
if want reconfig; then
	for n in $catchup_counts; do
		say "replace a backup by a new machine after $n records"
		reconfig "$n"
	done
fi
if want auth; then
	say "authentication: cost, and a flood of forged datagrams"
	auth_stage
fi
if want etcd; then
	say "etcd"
	etcd_stage
fi
say "done: $(wc -l < "$out") results in $out"
