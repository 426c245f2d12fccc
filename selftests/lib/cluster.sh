# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the selftests: a cluster of N replicas, each in its own
# network namespace, connected by veth pairs to a bridge in a hub namespace
# (the topology of wireguard's netns.sh).  Source it; call cluster_up N.
#
# Replica i lives in netns vsr-r$i at 10.77.0.$((i+1)), port 7000, and runs
# instance vsrlog$i (device /dev/vsrlog$i: minors are host-wide).

VSR_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VSR_HUB=vsr-hub
VSR_PORT=7000
VSR_N=0

fail() { echo "FAIL: $*" >&2; exit 1; }
info() { echo "# $*"; }

ns() { echo "vsr-r$1"; }
addr() { echo "10.77.0.$(($1 + 1))"; }
peers() {
	local i list=
	for ((i = 0; i < $1; i++)); do
		list+="${list:+,}$(addr "$i"):$VSR_PORT"
	done
	echo "$list"
}

# Each process costs most of a second in the debug guest: the helpers
# batch their ip commands (ip -b) and parse vsradm's text with builtins.

cluster_cleanup() {
	local i
	{
		for ((i = 0; i < 8; i++)); do echo "netns del $(ns "$i")"; done
		echo "netns del $VSR_HUB"
	} | ip -force -b - 2>/dev/null
	grep -q '^vsr ' /proc/modules && rmmod vsr
	true
}

# cluster_net N: the namespaces and links, no instances.
cluster_net() {
	local n=$1 i
	VSR_N=$n
	{
		echo "netns add $VSR_HUB"
		for ((i = 0; i < n; i++)); do echo "netns add $(ns "$i")"; done
	} | ip -b - || fail "netns add"
	{
		echo "link add br0 type bridge"
		echo "link set br0 up"
		for ((i = 0; i < n; i++)); do
			echo "link add p$i type veth peer name eth0 netns $(ns "$i")"
			echo "link set p$i master br0 up"
		done
	} | ip -n "$VSR_HUB" -b - || fail "hub links"
	for ((i = 0; i < n; i++)); do
		printf '%s\n' "link set lo up" "addr add $(addr "$i")/24 dev eth0" \
			"link set eth0 up" | ip -n "$(ns "$i")" -b - || fail "links of $(ns "$i")"
	done
}

# replica_add I [extra vsradm args]: create replica I's instance.
# The heartbeat and the view-change timeout are multiplied by $VSR_SLOW
# (the rig sets it for the debug kernel, whose network path is so slow
# under TCG that the short timeouts of the tests would change views by
# themselves).
replica_add() {
	local i=$1
	shift
	slow_args "$@"
	ip netns exec "$(ns "$i")" "$VSRADM" add "vsrlog$i" replica "$i" \
		peers "$(peers "$VSR_N")" cluster 77 "${VSR_ARGS[@]}"
}

# slow_args [vsradm args]: VSR_ARGS, the args with the heartbeat and the
# view-change timeout multiplied by $VSR_SLOW.
slow_args() {
	VSR_ARGS=()
	while [ $# -gt 0 ]; do
		case $1 in
		heartbeat|timeout) VSR_ARGS+=("$1" $(($2 * ${VSR_SLOW:-1}))); shift 2 ;;
		*) VSR_ARGS+=("$1"); shift ;;
		esac
	done
}

# cluster_up N [extra vsradm args]: module, network, instances.
cluster_up() {
	local n=$1 i
	shift
	grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
	cluster_net "$n"
	for ((i = 0; i < n; i++)); do
		replica_add "$i" "$@" || fail "vsradm add replica $i"
	done
}

# status I FIELD: one field of replica I in `vsradm show` (status, view,
# primary, op, commit, trim-point, drop-not-peer, ...), read from the text
# with shell builtins: each process costs most of a second in the debug
# guest, a python3 to parse the JSON about three.  The JSON's
# log-retention is the text's retention.
status() {
	local out line w prev= key=$2
	[ "$key" = log-retention ] && key=retention
	out=$("$VSRADM" -n "$(ns "$1")" show "vsrlog$1") || return 1
	# The instance's own lines: peer lines repeat some names per peer.
	while read -r line; do
		[ "${line%% *}" = peer ] && continue
		for w in $line; do
			[ "$prev" = "$key" ] && { echo "$w"; return 0; }
			prev=$w
		done
	done <<< "$out"
	echo "status: no field $2 in the show output of replica $1" >&2
	return 1
}

# wait_normal I [SECS]: replica I reaches normal status within SECS
# seconds (a deadline, not a count of polls: a poll can take seconds in
# the debug guest); says what it saw if not.
wait_normal() {
	local i=$1 end=$((SECONDS + ${2:-30})) st
	while :; do
		st=$(status "$i" status 2>/dev/null)
		[ "$st" = normal ] && return 0
		[ $SECONDS -ge $end ] && break
		sleep 0.1
	done
	info "replica $i still ${st:-gone} after ${2:-30} s:"
	ip netns exec "$(ns "$i")" "$VSRADM" show "vsrlog$i" 2>&1 | sed 's/^/#   /'
	cluster_why "$i"
	return 1
}

# cluster_why I: what the others say, and replica I's core state (debugfs).
cluster_why() {
	local j d=/sys/kernel/debug/vsr/vsrlog$1/state

	for ((j = 0; j < VSR_N; j++)); do
		[ "$j" = "$1" ] && continue
		ip netns exec "$(ns "$j")" "$VSRADM" show "vsrlog$j" 2>&1 |
			head -1 | sed 's/^/#   /'
	done
	mountpoint -q /sys/kernel/debug ||
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
	[ -r "$d" ] && sed 's/^/#   /' "$d"
	return 0
}

# primary_of I: the primary replica index that replica I believes in.
primary_of() { status "$1" primary; }

# dump I FILE: replica I's committed log as "OP RECORD" lines.
dump() {
	python3 -S "$VSR_LIB/readlog.py" "/dev/vsrlog$1" > "$2" || fail "read vsrlog$1"
}

# wait_commit I OP [SECS]: replica I has committed through OP.
wait_commit() {
	local i=$1 op=$2 end=$((SECONDS + ${3:-30})) c
	while :; do
		c=$(status "$i" commit 2>/dev/null || echo 0)
		[ "$c" -ge "$op" ] && return 0
		[ $SECONDS -ge $end ] && break
		sleep 0.1
	done
	info "replica $i at commit $c after ${3:-30} s, want $op"
	return 1
}

# same_logs FILE...: the record columns of all dumps are identical.
same_logs() {
	local first=$1 f
	shift
	for f in "$@"; do
		cmp -s "$first" "$f" || { diff "$first" "$f" | head -n 5; return 1; }
	done
}

# exactly_once ACKED LOG: every acknowledged record appears in LOG once.
exactly_once() {
	python3 -S - "$1" "$2" <<'PY'
import collections, sys
acked = [l.rstrip('\n') for l in open(sys.argv[1]) if l.strip()]
log = collections.Counter(l.rstrip('\n').split(' ', 1)[1] for l in open(sys.argv[2]) if ' ' in l)
bad = [a for a in acked if log[a] != 1]
dups = [r for r, c in log.items() if c > 1]
if bad or dups:
    print('acked %d, log %d; not exactly once: %s; duplicated: %s' %
          (len(acked), sum(log.values()), bad[:5], dups[:5]))
    sys.exit(1)
print('# %d acknowledged records, each exactly once in %d' % (len(acked), sum(log.values())))
PY
}

# partition I...: move replicas I... to a second bridge: they hear each
# other but not the rest.  heal: everyone back on one bridge.
partition() {
	local i
	{
		ip -n "$VSR_HUB" link show br1 >/dev/null 2>&1 ||
			printf '%s\n' "link add br1 type bridge" "link set br1 up"
		for i in "$@"; do echo "link set p$i master br1"; done
	} | ip -n "$VSR_HUB" -b - || fail "partition $*"
}
heal() {
	local i
	for ((i = 0; i < VSR_N; i++)); do echo "link set p$i master br0"; done |
		ip -n "$VSR_HUB" -b - || fail "heal"
}

# writes I COUNT PREFIX: COUNT writes through replica I, acknowledged
# records appended to $VSR_ACKED.
writes() {
	python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$1" "$3" "$2" >> "$VSR_ACKED" ||
		fail "writes on replica $1"
}

# converge FILE_PREFIX I...: replicas I... reach the highest commit among
# them and have identical logs (dumped to FILE_PREFIX.I).
converge() {
	local prefix=$1 i c=0 ci
	shift
	for i in "$@"; do
		ci=$(status "$i" commit)
		[ "$ci" -gt "$c" ] && c=$ci
	done
	for i in "$@"; do
		wait_commit "$i" "$c" 60 || fail "replica $i stuck below commit $c"
		dump "$i" "$prefix.$i"
	done
	local files=()
	for i in "$@"; do files+=("$prefix.$i"); done
	same_logs "${files[@]}" || fail "logs of replicas $* differ"
}

# scaled N: N scaled by $VSR_SCALE percent (the rig lowers it on the slow
# debug kernel), at least 1.
scaled() {
	local v=$(( $1 * ${VSR_SCALE:-100} / 100 ))
	[ "$v" -ge 1 ] && echo "$v" || echo 1
}

# Reconfiguration (reconfig.sh, grow.sh); $tmp is the test's directory.

# reconf I LIST: vsradm reconfigure on replica I; stdout in $tmp/out,
# stderr in $tmp/err.
reconf() {
	"$VSRADM" -n "$(ns "$1")" reconfigure "vsrlog$1" peers "$2" \
		> "$tmp/out" 2> "$tmp/err"
}

# wait_status I STATUS [SECS]
wait_status() {
	local end=$((SECONDS + ${3:-30})) st
	while st=$(status "$1" status 2>/dev/null); [ "$st" != "$2" ]; do
		[ $SECONDS -lt $end ] || { cluster_why "$1"; fail "replica $1 $st, want $2"; }
		sleep 0.1
	done
}

# wait_epoch I EPOCH [SECS]: replica I is normal in EPOCH.
wait_epoch() {
	local end=$((SECONDS + ${3:-30}))
	while [ "$(status "$1" epoch 2>/dev/null)" != "$2" ] ||
	      [ "$(status "$1" status 2>/dev/null)" != normal ]; do
		[ $SECONDS -lt $end ] || { cluster_why "$1"; fail "replica $1 not normal in epoch $2"; }
		sleep 0.1
	done
}

# Durable logs (durable.sh, durable-epoch.sh); acknowledged records in
# $VSR_ACKED.

# kept BEFORE AFTER N: every op of dump BEFORE at or above AFTER's first
# op is in AFTER with the same record, AFTER starts at or below BEFORE's
# end, and the last N acknowledged records are in AFTER exactly once.
kept() {
	python3 -S - "$1" "$2" "$3" "$VSR_ACKED" <<'PY'
import collections, sys
def load(f):
    return dict((int(l.split(' ', 1)[0]), l.rstrip('\n').split(' ', 1)[1])
                for l in open(f) if ' ' in l)
before, after = load(sys.argv[1]), load(sys.argv[2])
n = int(sys.argv[3])
acked = [l.rstrip('\n') for l in open(sys.argv[4]) if l.strip()][-n:]
lo = min(after) if after else 0
if before and lo > max(before) + 1:
    sys.exit('the log restarts at op %d, after the last op %d committed before' % (lo, max(before)))
bad = [op for op, r in before.items() if op >= lo and after.get(op) != r]
if bad:
    sys.exit('ops committed before the loss changed or vanished: %s' % bad[:5])
count = collections.Counter(after.values())
missing = [a for a in acked if count[a] != 1]
if missing:
    sys.exit('acknowledged records not there exactly once: %s' % missing[:5])
print('# ops %d..%d kept of %d..%d; the last %d acknowledged records there' %
      (lo, max(after), min(before), max(before), len(acked)))
PY
}
