#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cluster keys through vsradm on a 3-replica cluster, one netns per
# replica: a running cluster moved from no key to a key, then the key
# rotated, each in the three steps of Documentation/vsradm.rst ("KEYS")
# on every replica, with writes committing after each set and not one
# datagram refused (drop-auth 0 everywhere); show's auth line and each
# peer's key at every step, with the ids of vsradm keyid; show -j's key
# fields; a replica with another key shut out ("(not accepted)",
# drop-auth counted) and let in again; showconf's key-id comment and
# setconf with and without key-file; the kernel's refusal of key-swap
# without a second key, on one line; a replica re-added with key-file
# rejoining through recovery, and (after a change to the same members)
# re-added as a joining instance at its address (it names itself 0),
# pairing again and rejoining.
# timeout: 600
# kernels: stock 6.12 -- the debug guest has no time left (343 s alone there); reconfig.sh runs a cluster with a key there, KUnit vsr_auth tests the rotation rules
set -u
. "$(dirname "$0")/lib/cluster.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cluster_cleanup' EXIT
V=$VSRADM
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"

umask 077
for k in a b c; do
	"$V" genkey > "$tmp/$k.key" || fail "genkey"
done
A=$("$V" keyid "$tmp/a.key") || fail "keyid"
B=$("$V" keyid "$tmp/b.key") || fail "keyid"
C=$("$V" keyid "$tmp/c.key") || fail "keyid"
[[ $A =~ ^[0-9a-f]{8}$ ]] || fail "keyid printed '$A'"

inn() {	# inn I ARGS...: vsradm ARGS in replica I's netns
	local i=$1
	shift
	"$V" -n "$(ns "$i")" "$@"
}
step=0
setall() {	# setall ARGS...: vsradm set on every replica, each then writes
	local i
	step=$((step + 1))
	for i in 0 1 2; do
		inn "$i" set "vsrlog$i" "$@" || fail "set vsrlog$i $*"
		writes 0 3 "step$step-set$i"
	done
}
# peer_key TEXT J: what show TEXT says of peer J's key: ID, "ID (not
# accepted)", "none", or nothing.
peer_key() {
	local line re=' key ([0-9a-f]{8}|none)( \(not accepted\))?'
	line=$(grep "^	peer $2 " <<< "$1")
	[[ $line =~ $re ]] && echo "${BASH_REMATCH[1]}${BASH_REMATCH[2]}"
}
# expect_keys I AUTH PEERKEY [SECS]: within SECS (default 30) seconds,
# replica I says "auth AUTH", and PEERKEY of each peer it hears from: all
# of them if it is the primary, else the primary (backups do not talk to
# each other).  A peer's key is that of its last datagram.
expect_keys() {
	local i=$1 want_auth=$2 want=$3 end=$((SECONDS + ${4:-30})) j p ok out
	local re='primary ([0-9]+)'
	while :; do
		out=$(inn "$i" show "vsrlog$i") || fail "show vsrlog$i"
		ok=1
		[[ $out == *$'\n\t'"auth $want_auth"$'\n'* ]] || ok=0
		p=-1
		[[ $out =~ $re ]] && p=${BASH_REMATCH[1]}
		for j in 0 1 2; do
			[ "$i" = "$j" ] && continue
			[ "$i" = "$p" ] || [ "$j" = "$p" ] || continue
			[ "$(peer_key "$out" "$j")" = "$want" ] || ok=0
		done
		[ $ok = 1 ] && break
		[ $SECONDS -ge $end ] && fail "replica $i: want auth $want_auth, peers key $want:
$out"
		sleep 0.2
	done
	echo "ok: replica $i: auth $want_auth, peers key $want"
}
# expect_all AUTH PEERKEY: expect_keys on every replica.
expect_all() {
	local i
	for i in 0 1 2; do
		expect_keys "$i" "$1" "$2"
	done
}
# expect_peer I J PEERKEY [SECS]: replica I says PEERKEY of peer J.
expect_peer() {
	local end=$((SECONDS + ${4:-30})) out
	while :; do
		out=$(inn "$1" show "vsrlog$1") || fail "show vsrlog$1"
		[ "$(peer_key "$out" "$2")" = "$3" ] && break
		[ $SECONDS -ge $end ] && fail "replica $1: want peer $2 key $3:
$out"
		sleep 0.2
	done
	echo "ok: replica $1: peer $2 key $3"
}
no_drops() {
	local i
	for i in 0 1 2; do
		[ "$(status "$i" drop-auth)" = 0 ] ||
			fail "replica $i refused datagrams: $(inn "$i" show "vsrlog$i")"
	done
}

cluster_up 3 heartbeat 100 timeout 2000
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
writes 0 5 plain
expect_all "none (unauthenticated)" none

# --- from no key to key A, without downtime --------------------------------
setall accept-key-file "$tmp/a.key"
expect_all "none (unauthenticated) accepts $A" none
setall key-swap
expect_all "key $A accepts unauthenticated" "$A"
setall accept-key-file off
expect_all "key $A" "$A"
no_drops
echo "ok: moved to a key, no datagram refused"

# --- rotation from A to B ----------------------------------------------------
setall accept-key-file "$tmp/b.key"
expect_all "key $A accepts $B" "$A"
inn 0 -j show vsrlog0 | python3 -S -c '
import json, sys
d = json.load(sys.stdin)[0]
A, B = sys.argv[1:]
assert (d["key-id"], d["accept-key-id"], d["accept-unauthenticated"]) == (A, B, False), d
for p in d["peer"]:
    if p["self"]:
        assert (p["key-id"], p["unauthenticated"], p["drop-auth"]) == (None, False, 0), p
    elif d["primary"] in (d["replica"], p["index"]):	# a backup hears the primary only
        assert (p["key-id"], p["unauthenticated"], p["drop-auth"]) == (A, False, 0), p
assert d["stats"]["drop-auth"] == 0, d["stats"]
' "$A" "$B" || fail "show -j keys"
setall key-swap
expect_all "key $B accepts $A" "$B"
setall accept-key-file off
expect_all "key $B" "$B"
no_drops
echo "ok: rotated, no datagram refused"

# --- a backup with another key is shut out, and counted --------------------
# x: a backup other than replica 0, which the writes go through.  It
# drops the primary's datagrams; the primary drops those it sends once it
# starts a view change (after its view-change timeout).
p=$(primary_of 0)
x=2
[ "$p" = 2 ] && x=1
inn "$x" set "vsrlog$x" key-file "$tmp/c.key" || fail "set vsrlog$x key-file c"
expect_peer "$x" "$p" "$B (not accepted)"
expect_peer "$p" "$x" "$C (not accepted)" 120
line=$(inn "$p" show "vsrlog$p" | grep "^	peer $x ")
[[ $line == *" key $C (not accepted) drop-auth "[1-9]* ]] ||
	fail "replica $p shows no drop-auth of peer $x: $line"
[ "$(inn "$p" -j show "vsrlog$p" | python3 -S -c 'import json,sys; print(json.load(sys.stdin)[0]["stats"]["drop-auth"])')" -gt 0 ] ||
	fail "replica $p counted no drop-auth"
writes 0 3 shutout	# the other two are a quorum
inn "$x" set "vsrlog$x" key-file "$tmp/b.key" || fail "set vsrlog$x key-file b"
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal after replica $x is back"
done
writes 0 3 back
expect_all "key $B" "$B"
echo "ok: a backup with another key shut out, then back"

# --- the kernel's refusal, one line ---------------------------------------------
out=$(inn 0 set vsrlog0 key-swap 2>&1 >/dev/null)
rc=$?
if [ $rc != 1 ] || [[ $out == *$'\n'* ]] ||
   [[ $out != "vsradm: set vsrlog0: key-swap needs a second key"* ]]; then
	fail "key-swap without a second key: exit $rc: $out"
fi
echo "ok: refused: $out"

# --- showconf, setconf ---------------------------------------------------------
sc=$(inn 0 showconf vsrlog0) || fail "showconf"
[[ $sc == *$'\n'"# key-id $B: the key is not shown; add \"key-file KEYFILE\" for it" ]] ||
	fail "showconf: $sc"
printf '%s\n' "$sc" > "$tmp/sc"
inn 0 setconf vsrlog0 "$tmp/sc" || fail "setconf of showconf's output"
printf '%s\n' "$sc" "key-file b.key" > "$tmp/b.conf"
inn 0 setconf vsrlog0 "$tmp/b.conf" || fail "setconf key-file b.key"
expect_keys 0 "key $B" "$B"
printf '%s\n' "$sc" "key-file b.key" "accept-key-file none" > "$tmp/b.conf"
inn 0 setconf vsrlog0 "$tmp/b.conf" || fail "setconf accept-key-file none"
expect_keys 0 "key $B accepts unauthenticated" "$B"
sc=$(inn 0 showconf vsrlog0) || fail "showconf"
[[ $sc == *$'\n'"accept-key-file none" ]] || fail "showconf: $sc"
printf '%s\n' "$sc" "accept-key-file off" > "$tmp/b.conf"
sed -i '/^accept-key-file none$/d' "$tmp/b.conf"
inn 0 setconf vsrlog0 "$tmp/b.conf" || fail "setconf accept-key-file off"
expect_keys 0 "key $B" "$B"
echo "ok: showconf, setconf with keys"

# --- re-added with its key file, it recovers -------------------------------------
p=$(primary_of 0)
x=2
[ "$p" = 2 ] && x=1
inn "$x" del "vsrlog$x" || fail "del vsrlog$x"
replica_add "$x" heartbeat 100 timeout 2000 key-file "$tmp/b.key" ||
	fail "add vsrlog$x key-file"
wait_normal "$x" 60 || fail "replica $x did not recover with its key"
writes 0 3 readded
expect_all "key $B" "$B"
converge "$tmp/log" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/log.0" || fail "acknowledged records lost"
echo "ok: re-added with key-file, recovered"

# --- re-added as a joining instance, it rejoins -----------------------------------
# A joining instance names itself 0 in its HELLO and AUTH, and the members'
# sessions are with its earlier life; the lists never grew, so replica x
# (not 0) is known by its address alone.  It pairs again, learns its epoch
# from a notice and takes its state.  Epoch 0 has no notice (it started
# with no RECONFIG): a change that keeps the members makes epoch 1 first.
inn 0 reconfigure vsrlog0 peers "$(peers 3)" > "$tmp/out" ||
	fail "reconfigure to the same members"
[ "$(cat "$tmp/out")" = "vsrlog0: epoch 1" ] || fail "reconfigure said: $(cat "$tmp/out")"
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal in epoch 1"
	[ "$(status "$i" epoch)" = 1 ] || fail "replica $i in epoch $(status "$i" epoch)"
done
p=$(primary_of 0)
x=2
[ "$p" = 2 ] && x=1
inn "$x" del "vsrlog$x" || fail "del vsrlog$x"
slow_args heartbeat 100 timeout 2000 key-file "$tmp/b.key"
ip netns exec "$(ns "$x")" "$V" add "vsrlog$x" join "$(addr "$x"):$VSR_PORT" \
	cluster 77 "${VSR_ARGS[@]}" || fail "add vsrlog$x join key-file"
wait_normal "$x" 60 || fail "replica $x, joining at its address, did not rejoin"
[ "$(status "$x" epoch)" = 1 ] || fail "replica $x rejoined in epoch $(status "$x" epoch)"
writes 0 3 rejoined
# Its peers are in the order it met them: the others show its key.
for i in 0 1 2; do
	[ "$i" = "$x" ] || expect_keys "$i" "key $B" "$B"
done
converge "$tmp/log" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/log.0" || fail "acknowledged records lost"
echo "ok: re-added as a joining instance at its address, rejoined"
