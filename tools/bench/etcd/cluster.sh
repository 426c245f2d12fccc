# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# An etcd cluster on the selftests' topology, for the etcd side of
# `make bench`.  Source it inside the guest after selftests/lib/cluster.sh,
# once `cluster_net N` has made the namespaces: member I runs in netns
# vsr-rI at 10.77.0.(I+1), clients on port 2379, peers on port 2380, so
# etcd and vsr see the same veth/bridge path and the same CPUs.
#
#   etcd_up N         start members 0..N-1 and wait until all are healthy
#   etcd_down         stop them and remove their data
#   etcd_endpoints    "10.77.0.1:2379,10.77.0.2:2379,..."
#   etcd_leader       the leader's client endpoint
#   etcdctl_ns ARGS   etcdctl against all members, from netns vsr-r0
#
# The hub namespace has no address, so clients run in a member's netns
# (vsr-r0 by convention).
#
# Choices, all overridable from the environment:
# - Data directories live under a mktemp -d in /tmp, which is tmpfs in the
#   guest.  etcd's fsync settings are left at their defaults (WAL fsync on
#   every batch; --unsafe-no-fsync is not used), but on tmpfs an fsync costs
#   next to nothing, so neither system pays for a disk here: the
#   comparison is of protocol, networking and CPU cost.
# - Raft timing (ETCD_HEARTBEAT_MS, ETCD_ELECTION_MS) defaults to etcd's
#   own 100/1000 ms.  The heartbeat interval does not gate commits (a
#   proposal is sent to followers at once), only failure detection, so it
#   does not change throughput unless a member is starved long enough
#   to call an election; raise them if the logs show term changes under
#   load (grep "elected leader" in the logs).
# - Logs go to $ETCD_LOG_DIR (default: the rig's shared output directory
#   $VSR_OUT when set, so they survive the guest; else the data directory).

# type -P, not command -v: a caller may have a shell function named etcd.
ETCD_BIN=${ETCD_BIN:-etcd}
ETCDCTL_BIN=${ETCDCTL_BIN:-etcdctl}
ETCD_HEARTBEAT_MS=${ETCD_HEARTBEAT_MS:-100}
ETCD_ELECTION_MS=${ETCD_ELECTION_MS:-1000}
ETCD_START_TIMEOUT=${ETCD_START_TIMEOUT:-90}
ETCD_CLIENT_PORT=2379
ETCD_PEER_PORT=2380
ETCD_N=0
ETCD_DIR=
ETCD_LOGS=
ETCD_PIDS=()

etcd_err() { echo "etcd: $*" >&2; }

etcd_endpoints() {
	local i list=
	for ((i = 0; i < ETCD_N; i++)); do
		list+="${list:+,}$(addr "$i"):$ETCD_CLIENT_PORT"
	done
	echo "$list"
}

etcdctl_ns() {
	ETCDCTL_API=3 ip netns exec "$(ns 0)" "$ETCDCTL_BIN" \
		--endpoints="$(etcd_endpoints)" --dial-timeout=5s --command-timeout=5s "$@"
}

# etcd_alive: every member process still runs.
etcd_alive() {
	local i
	for ((i = 0; i < ${#ETCD_PIDS[@]}; i++)); do
		if ! kill -0 "${ETCD_PIDS[$i]}" 2>/dev/null; then
			etcd_err "member $i (pid ${ETCD_PIDS[$i]}) exited; log: $ETCD_LOGS/etcd-$i.log"
			tail -n 5 "$ETCD_LOGS/etcd-$i.log" >&2 2>/dev/null || true
			return 1
		fi
	done
}

etcd_up() {
	local n=${1:?etcd_up N}
	local i a cluster='' s
	type -P "$ETCD_BIN" >/dev/null || { etcd_err "no $ETCD_BIN (apt-get install etcd-server)"; return 1; }
	type -P "$ETCDCTL_BIN" >/dev/null || { etcd_err "no $ETCDCTL_BIN (apt-get install etcd-client)"; return 1; }
	[ "$ETCD_N" = 0 ] || { etcd_err "a cluster is already up; etcd_down first"; return 1; }
	for ((i = 0; i < n; i++)); do
		ip netns pids "$(ns "$i")" >/dev/null 2>&1 ||
			{ etcd_err "no netns $(ns "$i"); call cluster_net $n first"; return 1; }
		cluster+="${cluster:+,}e$i=http://$(addr "$i"):$ETCD_PEER_PORT"
	done
	ETCD_DIR=$(mktemp -d /tmp/etcd-bench.XXXXXX) || { etcd_err "mktemp failed"; return 1; }
	ETCD_LOGS=${ETCD_LOG_DIR:-${VSR_OUT:-$ETCD_DIR}}
	ETCD_N=$n
	ETCD_PIDS=()
	for ((i = 0; i < n; i++)); do
		a=$(addr "$i")
		# A fresh token per start: members of an earlier cluster can never
		# join this one.
		ip netns exec "$(ns "$i")" "$ETCD_BIN" \
			--name "e$i" \
			--data-dir "$ETCD_DIR/e$i" \
			--listen-peer-urls "http://$a:$ETCD_PEER_PORT" \
			--initial-advertise-peer-urls "http://$a:$ETCD_PEER_PORT" \
			--listen-client-urls "http://$a:$ETCD_CLIENT_PORT" \
			--advertise-client-urls "http://$a:$ETCD_CLIENT_PORT" \
			--initial-cluster "$cluster" \
			--initial-cluster-state new \
			--initial-cluster-token "vsr-bench-$(basename "$ETCD_DIR")" \
			--heartbeat-interval "$ETCD_HEARTBEAT_MS" \
			--election-timeout "$ETCD_ELECTION_MS" \
			> "$ETCD_LOGS/etcd-$i.log" 2>&1 &
		# ip netns exec execs etcd itself: $! is etcd's pid.
		ETCD_PIDS+=($!)
	done
	for ((s = 0; s < ETCD_START_TIMEOUT; s++)); do
		etcd_alive || { etcd_down; return 1; }
		if etcdctl_ns endpoint health >/dev/null 2>&1; then
			etcd_settle
			info "etcd: $n members healthy after ~${s}s, leader $(etcd_leader)"
			return 0
		fi
		sleep 1
	done
	etcd_err "members not healthy after ${ETCD_START_TIMEOUT}s; logs in $ETCD_LOGS"
	etcd_down
	return 1
}

# etcd_settle: wait (2 to ETCD_SETTLE_MAX s) until the machine's busy
# share stops falling.  Under TCG fresh members keep the CPUs busy for
# seconds after they report healthy (WAL preallocation, publishing member
# attributes, Go runtime warm-up), which would otherwise be billed to the
# first measurement.  An idle 3-member cluster does not go quiet: with
# 100 ms heartbeats it keeps about half of the 2 vCPUs busy under TCG, so
# "settled" means "at its resting level", reported as ETCD_REST_BUSY_PCT.
etcd_settle() {
	local t u n s i w q sq st b0 b1 i0 i1 pct prev=101
	for ((t = 1; t <= ${ETCD_SETTLE_MAX:-15}; t++)); do
		read -r _ u n s i w q sq st _ < /proc/stat
		b0=$((u + n + s + q + sq + st)) i0=$((i + w))
		sleep 1
		read -r _ u n s i w q sq st _ < /proc/stat
		b1=$((u + n + s + q + sq + st)) i1=$((i + w))
		pct=$(((b1 - b0) * 100 / (b1 - b0 + i1 - i0 + 1)))
		[ "$t" -ge 2 ] && [ "$pct" -ge $((prev - 5)) ] && break
		prev=$pct
	done
	# shellcheck disable=SC2034 # for the caller
	ETCD_REST_BUSY_PCT=$pct
	info "etcd: settled after ${t}s, machine ${pct}% busy at rest"
}

# etcd_leader: the client endpoint of the member that is leader.
etcd_leader() {
	etcdctl_ns endpoint status -w json | python3 -c '
import json, sys
for m in json.load(sys.stdin):
    if m["Status"]["leader"] == m["Status"]["header"]["member_id"]:
        print(m["Endpoint"])
        break
else:
    sys.exit("etcd: no leader")
'
}

etcd_down() {
	local p
	for p in "${ETCD_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${ETCD_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	ETCD_PIDS=()
	ETCD_N=0
	[ -n "$ETCD_DIR" ] && rm -rf "$ETCD_DIR"
	ETCD_DIR=
	return 0
}
