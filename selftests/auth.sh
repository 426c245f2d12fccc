#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Datagram authentication (#12): a keyed instance seals every datagram with
# a MAC trailer of its link's key and drops, and counts in drop-auth, what
# does not verify (vsr_mod/auth.h).  A cluster of three with one key:
#
#  a. writes commit; no datagram fails authentication; every replica
#     reports the key id computed here from the key file, for itself and
#     for each peer's last datagram.
#  b. Forged datagrams from a peer's own address (lib/authforge.py: valid
#     PREPARE, STARTVIEW, NEWSTATE, RECOVERYRESPONSE and COMMIT messages
#     that would move the receiver to a later view or hand it entries;
#     without a trailer, with a random key id, a wrong tag, another key's
#     trailer, the reverse direction's, another cluster id's or epoch's, a
#     trailer a byte short or long, a tampered message) are each counted
#     once in drop-auth, in total and for that peer, and in no other
#     counter; views, commits and logs do not move.  The right trailer,
#     computed here, is authenticated: the kernel's derivation and this
#     one agree.
#  c. A member added with another key stays out, never normal; its peers
#     show its key id, which they do not accept, and count its datagrams
#     in drop-auth; given the right key it joins and catches up.
#  d. Traffic captured on the bridge during writes and a view change
#     carries the key's trailers (as computed here); sent again from the
#     original senders after more writes and a view change, it is
#     authentic and still changes nothing: every acknowledged record is
#     in the log exactly once, the logs are identical.
#  e. The key is rotated under writes (accept-key-file NEW, key-swap,
#     accept-key-file off on every replica): no write fails, no datagram
#     fails authentication; then datagrams of the old key, forged or
#     captured in d, are dropped.
#  f. Under writes again, the cluster goes unauthenticated and then from
#     no key to a key the same way (accept-key-file none|KEY, key-swap,
#     off): no write fails, no datagram dropped.
#  g. Bad input is refused with a one-line error and an exit status, and
#     changes nothing: a file that is no key, key-swap without a second
#     key, conflicting key arguments; and by raw netlink, keys of the
#     wrong length and every conflict the kernel refuses.
#
# The keys are given with vsradm (genkey, add ... key-file, set ...
# key-file|accept-key-file|key-swap) if it has them, else through raw
# netlink by lib/authctl.py in the same syntax (VSR_AUTH_VIA=vsradm or
# netlink chooses).  What the replicas report is read by netlink, and
# checked against `vsradm -j show` too when vsradm does the keys.
# timeout: 900
set -u
. "$(dirname "$0")/lib/cluster.sh"
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"
bg=()
cleanup() {
	local pid
	for pid in "${bg[@]}"; do kill "$pid" 2>/dev/null; done
	wait 2>/dev/null
	cluster_cleanup
}
trap cleanup EXIT

TUN=(heartbeat 50 timeout 500 client-timeout 20000)
N=$(scaled 10)	# forged datagrams of each command and variant

ctl() { python3 -S "$VSR_LIB/authctl.py" "$@"; }
authforge() { python3 -S "$VSR_LIB/authforge.py" "$@"; }

VIA=${VSR_AUTH_VIA:-}
if [ -z "$VIA" ]; then
	if "$VSRADM" genkey > /dev/null 2>&1; then VIA=vsradm; else VIA=netlink; fi
fi
info "keys are given through $VIA"

# --- The key commands: the only place that knows how they are given. ---

# genkey FILE: a new key in FILE.
genkey() {
	case $VIA in
	vsradm) "$VSRADM" genkey > "$1" ;;
	*) ctl genkey > "$1" ;;
	esac || fail "genkey"
	ctl keyid "$1" > /dev/null || fail "genkey wrote no key: $(cat "$1")"
}

# add_keyed I KEYFILE: replica I's instance, with the key in KEYFILE.
add_keyed() {
	case $VIA in
	vsradm) replica_add "$1" "${TUN[@]}" key-file "$2" ;;
	*) ctl add "$1" "$VSR_N" "$2" "${TUN[@]}" ;;
	esac
}

# keyset I ARG...: `vsradm set vsrlogI ARG...`, ARG being key-file
# FILE|none, accept-key-file FILE|none|off or key-swap.
keyset() {
	local i=$1
	shift
	case $VIA in
	vsradm) "$VSRADM" -n "$(ns "$i")" set "vsrlog$i" "$@" ;;
	*) ctl set "$i" "$@" ;;
	esac
}

# keyset_all ARG...: keyset on every replica, one after the other.
keyset_all() {
	local i
	for i in 0 1 2; do
		keyset "$i" "$@" || fail "set vsrlog$i $*"
	done
	info "every replica: set $*"
}

# --- Checks. ---

# expect I... [--key F|none] [--accept F|none|off] [--peers F|none]
# [--drop-auth-zero]: what the replicas report of their keys (authctl.py
# expect), and vsradm's JSON says the same when it does the keys.
expect() {
	local show=()
	[ "$VIA" = vsradm ] && show=(--vsradm)
	ctl expect "$@" "${show[@]}" || fail "keys not as expected"
}

# snapshot NAME: view, op, commit and status of every replica in
# $tmp/NAME, and their committed logs in $tmp/NAME.log.I.
snapshot() {
	local i
	for i in 0 1 2; do
		echo "$i $(python3 -S "$VSR_LIB/vsrstat.py" get "$i" view op commit status)"
		dump "$i" "$tmp/$1.log.$i"
	done > "$tmp/$1"
}

# unchanged A B: snapshots A and B are the same.
unchanged() {
	local i
	cmp -s "$tmp/$1" "$tmp/$2" ||
		{ paste "$tmp/$1" "$tmp/$2" >&2; fail "views, ops or commits moved ($1 -> $2)"; }
	for i in 0 1 2; do
		cmp -s "$tmp/$1.log.$i" "$tmp/$2.log.$i" || fail "replica $i's log changed ($1 -> $2)"
	done
}

# view_change: cut the primary off until the other two are normal in a
# later view, then heal and wait for all three.
view_change() {
	local p v o i end
	p=$(primary_of 0)
	v=$(status "$p" view)
	o=$(( (p + 1) % 3 ))
	partition "$p"
	end=$((SECONDS + 60))
	until [ "$(status "$o" view)" -gt "$v" ] && [ "$(status "$o" status)" = normal ]; do
		[ $SECONDS -lt $end ] || fail "no view change without replica $p"
		sleep 0.1
	done
	heal
	for i in 0 1 2; do
		wait_normal "$i" 60 || fail "replica $i not normal after the view change"
	done
	info "view $(status "$o" view): primary $(primary_of "$o") (was $p in view $v)"
}

# start_writers NAME I...: a writer on each replica I, one record every
# 10 ms until $tmp/NAME.stop exists; returns once each had one committed.
start_writers() {
	local name=$1 i end
	shift
	wpids=()
	for i in "$@"; do
		python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$i" "$name-$i" "$(scaled 10)" 0.01 0 \
			"$tmp/$name.stop" > "$tmp/$name.acked.$i" 2> "$tmp/$name.err.$i" &
		wpids+=("$!")
		bg+=("$!")
	done
	end=$((SECONDS + 60))
	for i in "$@"; do
		until [ -s "$tmp/$name.acked.$i" ]; do
			[ $SECONDS -lt $end ] || { cat "$tmp/$name".err.* >&2; fail "writer $name-$i wrote nothing"; }
			sleep 0.05
		done
	done
}

# stop_writers NAME: the writers stop; none may have failed a write.
stop_writers() {
	local name=$1 pid rc=0
	touch "$tmp/$name.stop"
	for pid in "${wpids[@]}"; do
		wait "$pid" || rc=1
	done
	cat "$tmp/$name".acked.* >> "$VSR_ACKED"
	[ $rc = 0 ] || { cat "$tmp/$name".err.* >&2; fail "a write failed during $name"; }
	info "$name: $(cat "$tmp/$name".acked.* | wc -l) records written meanwhile, no write failed"
}

# refused WHAT CMD...: CMD fails, saying why on one line of stderr.
refused() {
	local what=$1 rc
	shift
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ $rc -ne 0 ] || fail "$what: accepted"
	[ "$(wc -l < "$tmp/err")" = 1 ] || { cat "$tmp/err" >&2; fail "$what: not one line of error"; }
	[ -s "$tmp/out" ] && fail "$what: printed $(cat "$tmp/out")"
	echo "ok: $what: exit $rc: $(cat "$tmp/err")"
}

for k in k1 k2 k3 kbad; do
	genkey "$tmp/$k"
	info "key $k: key id $(ctl keyid "$tmp/$k")"
done

info "a. a cluster with one key"
grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
cluster_net 3
for i in 0 1 2; do
	add_keyed "$i" "$tmp/k1" || fail "add replica $i with a key"
done
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
p=$(primary_of 0)
b1=$(( (p + 1) % 3 ))
b2=$(( (p + 2) % 3 ))
writes "$p" "$(scaled 20)" a-primary
writes "$b1" "$(scaled 20)" a-backup
# And whatever any replica heard from any peer carried that key.
expect 0 1 2 --key "$tmp/k1" --accept off --peers "$tmp/k1" --all-peers --drop-auth-zero

info "b. forged datagrams from the peers' addresses"
converge "$tmp/b0" 0 1 2
snapshot b-before
authforge forge --to "$b1" --from "$p" --key "$tmp/k1" --other-key "$tmp/kbad" --count "$N" ||
	fail "forged datagrams to backup $b1 as primary $p"
authforge forge --to "$p" --from "$b1" --key "$tmp/k1" --count "$N" ||
	fail "forged datagrams to primary $p as backup $b1"
authforge forge --to "$b2" --from "$b1" --key "$tmp/k1" --count "$N" ||
	fail "forged datagrams to backup $b2 as backup $b1"
info "the right trailer, computed here, is authenticated"
authforge forge --to "$b1" --from "$p" --key "$tmp/k1" --variants good-v3 --count "$N" ||
	fail "right trailers on format 3: not authenticated"
authforge forge --to "$b1" --from "$p" --key "$tmp/k1" --variants good \
	--cmds commit,startview,recoveryresponse --count "$N" ||
	fail "right trailers: not accepted"
snapshot b-after
unchanged b-before b-after
info "views, ops, commits and logs unchanged"
# A forged datagram showed its key id (or none) as the peer's for a moment.
expect 0 1 2 --key "$tmp/k1" --accept off --peers "$tmp/k1"
writes "$b2" "$(scaled 10)" b-after

info "c. a member with another key stays out"
x=$b2
ip netns exec "$(ns "$x")" "$VSRADM" del "vsrlog$x" || fail "del vsrlog$x"
for i in "$p" "$b1"; do
	base[i]=$(ctl drop-auth "$i" "$x") || fail "drop-auth of replica $i"
done
python3 -S "$VSR_LIB/authctl.py" never-normal "$tmp/c.stop" "$x" > "$tmp/c.watch" 2>&1 &
watch=$!
bg+=("$watch")
add_keyed "$x" "$tmp/kbad" || fail "add replica $x with another key"
expect "$x" --key "$tmp/kbad" --accept off
writes "$p" "$(scaled 20)" c-without-x
# It asks every peer for its state, again and again; the primary sends it
# heartbeats.
for i in "$p" "$b1"; do
	ctl peer "$i" "$x" --key "$tmp/kbad" --not-accepted --drop-auth-min $((base[i] + 3)) ||
		fail "replica $i does not see replica $x's key, or counts nothing"
done
ctl peer "$x" "$p" --key "$tmp/k1" --not-accepted --drop-auth-min 3 ||
	fail "replica $x does not see the primary's key, or counts nothing"
writes "$b1" "$(scaled 10)" c-without-x-b
st=$(python3 -S "$VSR_LIB/vsrstat.py" get "$x" status op commit)
[ "$st" = "2 0 0" ] || fail "replica $x with another key: status op commit $st, want recovering 0 0"
touch "$tmp/c.stop"
wait "$watch" || { cat "$tmp/c.watch" >&2; fail "replica $x became normal with another key"; }
cat "$tmp/c.watch"
keyset "$x" key-file "$tmp/k1" || fail "set vsrlog$x key-file k1"
wait_normal "$x" 60 || fail "replica $x not normal with the right key"
wait_commit "$x" "$(status "$p" commit)" 60 || fail "replica $x did not catch up"
expect 0 1 2 --key "$tmp/k1" --accept off --peers "$tmp/k1"
writes "$x" "$(scaled 10)" c-joined
info "replica $x joined with the right key"

info "d. replaying captured traffic"
python3 -S "$VSR_LIB/authforge.py" sniff --out "$tmp/cap" --stop "$tmp/d.stop" \
	--ready "$tmp/d.ready" > "$tmp/d.sniff" 2>&1 &
sniffer=$!
bg+=("$sniffer")
end=$((SECONDS + 60))
until [ -e "$tmp/d.ready" ]; do
	[ $SECONDS -lt $end ] || { cat "$tmp/d.sniff" >&2; fail "the sniffer did not start"; }
	sleep 0.05
done
p=$(primary_of 0)
writes "$(( (p + 1) % 3 ))" "$(scaled 30)" d-backup	# forwarded to the primary
writes "$p" "$(scaled 20)" d-primary
view_change
writes "$(primary_of 0)" "$(scaled 20)" d-newview
touch "$tmp/d.stop"
wait "$sniffer" || { cat "$tmp/d.sniff" >&2; fail "sniffer"; }
cat "$tmp/d.sniff"
authforge check-capture "$tmp/cap" --key "$tmp/k1" || fail "captured datagrams"
writes "$(primary_of 0)" "$(scaled 20)" d-later
view_change
writes "$(primary_of 0)" "$(scaled 10)" d-later2
for i in 0 1 2; do
	v[i]=$(status "$i" view)
	c[i]=$(status "$i" commit)
done
authforge replay "$tmp/cap" --expect authentic || fail "replay"
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal after the replay"
	[ "$(status "$i" view)" -ge "${v[$i]}" ] || fail "the replay moved replica $i back to an old view"
	[ "$(status "$i" commit)" -ge "${c[$i]}" ] || fail "the replay moved replica $i's commit back"
done
writes "$(primary_of 0)" "$(scaled 10)" d-after-replay
writes "$(( ($(primary_of 0) + 2) % 3 ))" "$(scaled 10)" d-after-replay-b
converge "$tmp/d" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/d.0" || fail "records lost or duplicated by the replay"

info "e. key rotation under writes"
ctl snap "$tmp/e.snap" 0 1 2
p=$(primary_of 0)
start_writers e "$p" "$(( (p + 1) % 3 ))"
keyset_all accept-key-file "$tmp/k2"
expect 0 1 2 --key "$tmp/k1" --accept "$tmp/k2"
keyset_all key-swap
# Every peer sends with the new key: nothing of the old one is on its way.
expect 0 1 2 --key "$tmp/k2" --accept "$tmp/k1" --peers "$tmp/k2"
keyset_all accept-key-file off
expect 0 1 2 --key "$tmp/k2" --accept off --peers "$tmp/k2"
stop_writers e
ctl same "$tmp/e.snap" 0 1 2 || fail "datagrams failed authentication during the rotation"
info "the old key is dropped"
p=$(primary_of 0)
authforge forge --to "$(( (p + 1) % 3 ))" --from "$p" --key "$tmp/k1" --variants good \
	--expect drop-auth --count "$N" || fail "datagrams with the old key"
authforge replay "$tmp/cap" --expect drop-auth || fail "replay of the old key's datagrams"
expect 0 1 2 --key "$tmp/k2" --accept off --peers "$tmp/k2"
writes "$p" "$(scaled 10)" e-after

info "f. to no key and back to a key, under writes"
ctl snap "$tmp/f.snap" 0 1 2
start_writers f "$p" "$(( (p + 2) % 3 ))"
keyset_all accept-key-file none
expect 0 1 2 --key "$tmp/k2" --accept none
keyset_all key-swap
expect 0 1 2 --key none --accept "$tmp/k2" --peers none
keyset_all accept-key-file off
expect 0 1 2 --key none --accept off --peers none
info "an unauthenticated cluster, running: to a key"
keyset_all accept-key-file "$tmp/k3"
expect 0 1 2 --key none --accept "$tmp/k3"
keyset_all key-swap
expect 0 1 2 --key "$tmp/k3" --accept none --peers "$tmp/k3"
keyset_all accept-key-file off
expect 0 1 2 --key "$tmp/k3" --accept off --peers "$tmp/k3"
stop_writers f
ctl same "$tmp/f.snap" 0 1 2 || fail "datagrams dropped during the migrations"
p=$(primary_of 0)
authforge forge --to "$(( (p + 1) % 3 ))" --from "$p" --key "$tmp/k3" --variants none,other-key \
	--other-key "$tmp/k2" --count "$N" ||
	fail "unauthenticated or old-key datagrams after the migration"

info "g. bad input"
ctl reject 0 || fail "bad key requests by netlink"
if [ "$VIA" = vsradm ]; then
	printf 'not a key\n' > "$tmp/notkey"
	head -c 31 /dev/urandom | base64 > "$tmp/short"
	head -c 33 /dev/urandom | base64 > "$tmp/long"
	: > "$tmp/empty"
	V=("$VSRADM" -n "$(ns 0)")
	for f in notkey short long empty missing; do
		refused "key-file $f" "${V[@]}" set vsrlog0 key-file "$tmp/$f"
		refused "accept-key-file $f" "${V[@]}" set vsrlog0 accept-key-file "$tmp/$f"
	done
	refused "key-swap without a second key" "${V[@]}" set vsrlog0 key-swap
	grep -q 'second key' "$tmp/err" || fail "key-swap: $(cat "$tmp/err")"
	refused "key-file K key-file none" "${V[@]}" set vsrlog0 key-file "$tmp/k1" key-file none
	refused "accept-key-file K accept-key-file off" "${V[@]}" set vsrlog0 \
		accept-key-file "$tmp/k1" accept-key-file off
	refused "accept-key-file none accept-key-file off" "${V[@]}" set vsrlog0 \
		accept-key-file none accept-key-file off
	refused "add with a file that is no key" "${V[@]}" add vsrlog7 replica 0 \
		peers "10.77.0.1:7007,10.77.0.2:7007,10.77.0.3:7007" key-file "$tmp/notkey"
	[ -e /dev/vsrlog7 ] && fail "add with a bad key file created vsrlog7"
else
	info "no vsradm key commands: its refusals not checked"
fi
expect 0 1 2 --key "$tmp/k3" --accept off --peers "$tmp/k3"
writes 0 "$(scaled 10)" g-after

converge "$tmp/log" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/log.0" || fail "acknowledged records lost or duplicated"
echo ok
