#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The receive path under a flood of forged datagrams (#12; protocol.rst,
# "Authentication"; vsr_mod/rxlimit.h).  A keyed primary is flooded from a
# backup's address with datagrams that pass every cheap check but the tag
# (tools/bench/vsr-flood), so each one it takes costs it a MAC.  The
# receive work charges each address the time its datagrams that brought
# nothing took, as if it might spend a share of its time on them (a
# tenth); while an address owes more than that and the work is behind
# (its queues did not all drain for 100 ms on end: then for a lease of a
# second or more), its datagrams are dropped where they arrive, before the
# MAC.  No forger inside this guest reaches either, so the test lowers the
# share on the primary through debugfs (rx-flood-share), or slows its
# receive work (rx-check-delay-us).
#
#  a. The share lowered to a thousandth, a flood of 100 a second puts the
#     address in debt (rx-owes in the primary's debugfs state), but the
#     receive work keeps up with it, so it costs the flooded backup
#     nothing: with the other backup cut off, writes on the primary commit
#     through it; every forged datagram is MACed and counted in drop-auth,
#     none dropped for the charges (rx-flood-drops in debugfs).
#  b. The thresholds as built, the primary's receive work slowed by
#     500 us a datagram (rx-check-delay-us in debugfs: under 2,000 a
#     second), a flood of 3,000 a second: the work falls behind and says
#     so (rx-behind in debugfs), most of the flood is dropped for the
#     charges, the other backup's address owes nothing, and writes go on.
#  c. Once the flood stops the address soon owes nothing; with the
#     thresholds as built, nothing more is dropped for charges and the
#     owner's datagrams count again: with the other backup cut off, writes
#     on the primary commit through the flooded backup alone.
#
# Every acknowledged record is in the log exactly once, the logs the same.
# timeout: 600
# kernels: stock 6.12 -- the forger needs the stock guest's speed
set -u
. "$(dirname "$0")/lib/cluster.sh"
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"
flood_pid=
cleanup() {
	[ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
	cluster_cleanup
}
trap cleanup EXIT

forger=$VSR_LIB/../../tools/bench/vsr-flood
[ -x "$forger" ] || fail "no $forger (make -C tools/bench)"
SIZE=256	# of a forged datagram

# drops I: replica I's "drop-auth drop-nomem rx-flood-drops", or fails.
drops() {
	local a n f
	a=$(status "$1" drop-auth) && n=$(status "$1" drop-nomem) || return 1
	f=$(sed -n 's/^engine .* rx-flood-drops \([0-9]*\).*/\1/p' \
		"/sys/kernel/debug/vsr/vsrlog$1/state")
	[ -n "$f" ] || return 1
	echo "$a $n $f"
}
# owes I J: replica I's debugfs state says peer J's address owes time.
owes() {
	grep -q "^  peer $2 .* rx-owes " "/sys/kernel/debug/vsr/vsrlog$1/state"
}
# flood RATE SECS: forged datagrams at the primary from backup $b's
# address, in the background ($flood_pid; the report in $tmp/flood.json).
flood() {
	ip netns exec "$(ns "$b")" "$forger" -f "$(addr "$b"):$VSR_PORT" \
		-t "$(addr "$p"):$VSR_PORT" -c 77 -r "$b" -k "$kid" -s "$SIZE" \
		-p "$1" -d "$2" > "$tmp/flood.json" &
	flood_pid=$!
}
# flood_end [lossy]: wait for it; sets sent, and auth, nomem, fd: the
# counters' growth since before it, once every forged datagram is counted
# (or 5 s).  Lossy: the network may have dropped some before the instance
# saw them (a backlog overflows at the forger's full speed).
flood_end() {
	local s a n f
	wait "$flood_pid" || fail "vsr-flood failed"
	flood_pid=
	sent=$(python3 -S -c 'import json, sys; print(json.load(open(sys.argv[1]))["sent"])' \
		"$tmp/flood.json") || fail "vsr-flood's report: $(cat "$tmp/flood.json")"
	[ "$sent" -gt 0 ] || fail "the flood sent nothing"
	for ((s = 0; s < 50; s++)); do
		read -r a n f <<< "$(drops "$p")"
		[ -n "$f" ] || fail "no drop counters of $p"
		auth=$((a - auth0)) nomem=$((n - nomem0)) fd=$((f - fd0))
		# The owner's own datagrams may be dropped too: at least.
		[ $((auth + nomem)) -ge "$sent" ] && break
		sleep 0.1
	done
	info "sent $sent: drop-auth +$auth, drop-nomem +$nomem, of them for the charges $fd"
	[ $((auth + nomem)) -ge "$sent" ] || [ "${1:-}" = lossy ] ||
		fail "only $((auth + nomem)) of $sent forged datagrams counted"
	[ "$fd" -le "$nomem" ] || fail "rx-flood-drops +$fd not in drop-nomem +$nomem"
}
# roles: all three normal in one view; p the primary, b and c backups,
# dbg the primary's debugfs directory.  (A backup cut off for longer than
# the timeout may start a view change that goes on after the heal.)
roles() {
	local i v s ok=0
	for ((s = 0; s < 600 && ok == 0; s++)); do
		v=$(status 0 view) ok=1
		for i in 0 1 2; do
			if [ "$(status "$i" status)" != normal ] ||
			   [ "$(status "$i" view)" != "$v" ]; then
				ok=0
				sleep 0.1
				break
			fi
		done
	done
	[ "$ok" = 1 ] || fail "not all three normal in one view"
	for i in 0 1 2; do
		wait_normal "$i" 60 || fail "replica $i not normal"
	done
	p=$(primary_of 0)
	b=$(( (p + 1) % 3 )) c=$(( (p + 2) % 3 ))
	dbg=/sys/kernel/debug/vsr/vsrlog$p
}
before_flood() {
	read -r auth0 nomem0 fd0 <<< "$(drops "$p")"
	[ -n "$fd0" ] || fail "no drop counters of $p"
}

umask 077
"$VSRADM" genkey > "$tmp/key" || fail "vsradm genkey"
kid=$("$VSRADM" keyid "$tmp/key") || fail "vsradm keyid"
cluster_up 3 heartbeat 100 timeout 2000 client-timeout 20000 key-file "$tmp/key"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug ||
	fail "mount debugfs"
roles
writes 0 5 before
share=$(cat "$dbg/rx-flood-share") target=$(cat "$dbg/rx-flood-target-us")
[ "$share" = 100 ] || fail "rx-flood-share as built is $share, not 100"
[ "$target" = 0 ] || fail "rx-flood-target-us as built is $target, not 0"
# wait_flood: the flood has reached the primary (drop-auth moved).
wait_flood() {
	local s
	for ((s = 0; s < 100; s++)); do
		[ "$(status "$p" drop-auth)" -gt "$auth0" ] && return 0
		sleep 0.1
	done
	fail "no forged datagram reached replica $p"
}

info "a. 100 forged datagrams/s at primary $p from backup $b's address, share 1 per mille, $c cut off"
echo 1 > "$dbg/rx-flood-share" || fail "lowering rx-flood-share of $p"
before_flood
partition "$c"
flood 100 4
wait_flood
owes "$p" "$b" || { sed 's/^/#   /' "$dbg/state"; fail "$b's address owes nothing during the flood"; }
writes "$p" "$(scaled 10)" small-flood
heal
flood_end
[ "$fd" = 0 ] || fail "$fd of a flood the receive work keeps up with dropped for the charges"
[ "$auth" -ge "$sent" ] || fail "only $auth of $sent forged datagrams MACed"

roles
info "b. 3000/s at primary $p from backup $b's address, its receive work slowed by 500 us a datagram"
echo "$share" > "$dbg/rx-flood-share" || fail "restoring rx-flood-share of $p"
echo 500 > "$dbg/rx-check-delay-us" || fail "slowing the receive work of $p"
before_flood
flood 3000 5
wait_flood
behind=0
for ((s = 0; s < 30; s++)); do
	# What the flood costs falls on the address it names, no other's.
	! owes "$p" "$c" || fail "$c's address owes time during a flood from $b's"
	if grep -q "^engine .* rx-behind" "$dbg/state"; then
		behind=1
		break
	fi
	sleep 0.1
done
writes "$p" "$(scaled 10)" slow-work
flood_end
echo 0 > "$dbg/rx-check-delay-us" || fail "restoring rx-check-delay-us of $p"
[ "$behind" = 1 ] || fail "the work never deemed itself behind"
[ $((2 * fd)) -ge "$sent" ] || fail "only $fd of $sent forged datagrams dropped for the charges"

info "c. the flood over, backup $b alone carries the commits"
for ((s = 0; s < 50; s++)); do
	owes "$p" "$b" || break
	sleep 0.1
done
owes "$p" "$b" && fail "$b's address still owes time 5 s after the flood"
[ "$(primary_of 0)" = "$p" ] || fail "the primary changed during the flood"
before_flood
partition "$c"
writes "$p" "$(scaled 10)" after-flood
read -r _ _ fd <<< "$(drops "$p")"
[ "$fd" = "$fd0" ] || fail "datagrams dropped for charges after the flood"
heal
converge "$tmp/log" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/log.0" || fail "records lost"
echo ok
