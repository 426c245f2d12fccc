#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Datagram authentication (#12) against forgers and replays, end to end.
# A keyed instance seals every datagram with a trailer (key id, counter,
# tag), fresh for each pair of incarnations: AUTH messages, MACed (BLAKE2s)
# with a static link key, carry the incarnations' nonces; every other
# datagram is MACed (ChaCha20-Poly1305) with the session key of its
# sender's and receiver's incarnations, and accepted once
# (vsr_mod/auth.h).  The vsradm flows (a key for
# a running cluster, rotation, a member with another key, showconf) are
# keys.sh's; this test takes a cluster of three with one key (vsradm add
# ... key-file) and checks what the network can do to it:
#
#  a. After the start, no datagram failed authentication, and each
#     replica reports the key id derived here (and by vsradm keyid).
#  b. Forged datagrams from a peer's own address (lib/authforge.py forge:
#     PREPARE, STARTVIEW, NEWSTATE, RECOVERYRESPONSE and COMMIT messages
#     that would move the receiver to a later view or hand it entries, and
#     AUTHs that would replace the sender's nonce), each a correct datagram
#     but for one thing: no trailer, a random key id, a wrong tag, another
#     key, reflected, sealed for the third replica, for another cluster,
#     for the sender's address with another port or as IPv6 names it (the
#     keys name replicas by address: family, port, address), by or for
#     another incarnation, under the other rule (AUTH or data), over
#     counter 0, tampered after sealing, a byte short or long.
#     Each is counted once in drop-auth, in total and for that peer (those
#     a byte short or long in drop-malformed), and nothing else moves; an
#     AUTH with the right tag that echoes no challenge is ignored.  Views,
#     commits and logs do not move; later writes fail no datagram.
#  c. Traffic captured on the bridge during writes and a view change has
#     the trailers computed here (from the nonces of sniffed AUTHs), each
#     counter used once.  Replayed from the original senders after more
#     writes and a view change, every data datagram is dropped and counted;
#     views and commits do not go back.
#  d. Positive control (authforge.py control): datagrams sealed here with
#     counters from 2^62 on, which the receiver authenticates and then
#     drops for their wire format or epoch, are accepted once and refused
#     again; the replay window is checked at its edges.  Some are encrypted
#     here (the receiver decrypts them; one with a byte of its ciphertext
#     changed is refused).  The receiver,
#     which now refuses its peer's real counters, is restarted; the capture
#     of c and AUTHs recorded before the restart (of its old incarnation
#     too) are replayed: every data datagram dropped and counted, no AUTH
#     breaks a session (later writes fail no datagram).
#  e. Bad key requests by raw netlink are refused, with the kernel's
#     message, and change nothing: keys of the wrong length, conflicting
#     key attributes, key-swap without a second key, set-only attributes
#     in an add, any key (to send with or to accept) with wire-version 1
#     ("a key needs wire format 2"); what one set leaves in force is what
#     is judged: a key with wire-version 2, or key-none with 1, is taken.
#  f. The primary's machine is cloned (the vmgenid notifier, here its
#     debugfs stand-in): it draws a new nonce and its sessions start over,
#     writes go on, and the capture of c is still refused.
#  g. A backup's instance is deleted; its recorded AUTH that echoes the
#     primary's current challenge, replayed at the primary, does not make
#     it look heard.  The backup is added again.
#
# Every acknowledged record is in the log exactly once, the logs the same.
# timeout: 600
# kernels: stock 6.12 -- KUnit vsr_auth tests its rules there; reconfig.sh runs a cluster with a key
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
	rm -rf "$tmp"
	cluster_cleanup
}
trap cleanup EXIT

TUN=(heartbeat 100 timeout 1000 client-timeout 20000)
N=$(scaled 3)	# forged datagrams of each command and variant
wait=$((60 * ${VSR_SLOW:-1}))	# seconds for what must happen

ctl() { python3 -S "$VSR_LIB/authctl.py" "$@"; }
# no_flood_limit I: replica I never deems its receive work behind on an
# address and lifts the flood limit, so that the bursts of forgeries here
# are each counted in drop-auth, never dropped on arrival as a flood
# (flood.sh tests that).
no_flood_limit() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	echo 4294967295 > "/sys/kernel/debug/vsr/vsrlog$1/rx-flood-target-us" ||
		fail "rx-flood-target-us of replica $1"
}
authforge() { python3 -S "$VSR_LIB/authforge.py" "$@"; }
# last_heard P V: how long ago replica P last heard from V, in ms.
last_heard() {
	ip netns exec "$(ns "$1")" "$VSRADM" -j show "vsrlog$1" | python3 -S -c '
import json, sys
h = [p for p in json.load(sys.stdin)[0]["peer"] if p["index"] == int(sys.argv[1])]
print(h[0]["last-heard-ms"])' "$2"
}
st() { python3 -S "$VSR_LIB/vsrstat.py" "$@"; }
# (A process costs a second or more in a guest: each check that polls is
# one python3.)

# view_change: cut the primary off until the other two are normal in a
# later view, then heal and wait for all three in it.
view_change() {
	local p v o
	read -r p v <<< "$(st get 0 primary view)" || fail "status of replica 0"
	o=$(( (p + 1) % 3 ))
	partition "$p"
	st wait "$wait" "view > $v and status == 0" "$o" || fail "no view change without replica $p"
	info "replica $o normal in a view after $v without replica $p"
	heal
	st wait "$wait" "view > $v and status == 0" 0 1 2 || fail "not all normal after the view change"
	info "all normal again"
}

# intact NAME: writes (through replica 0) fail no datagram anywhere: no
# drop counter moves from $tmp/NAME.snap until they committed everywhere.
intact() {
	writes 0 "$(scaled 3)" "$1-after"
	ctl check "$tmp/$1.snap" 0 1 2 --caught-up --drops ||
		fail "datagrams dropped during the writes after $1"
}

# keys_shown KEYFILE ID I...: ID, the key id vsradm keyid gave for KEYFILE,
# is the one computed here (authctl.py), and `vsradm -j show` of every
# replica I says that it sends with that key and accepts no second key, and that no datagram failed authentication, from any peer.
keys_shown() {
	local i file=$1 id=$2
	shift 2
	for i in "$@"; do
		"$VSRADM" -n "$(ns "$i")" -j show "vsrlog$i" || fail "vsradm show vsrlog$i"
	done | python3 -S -c '
import json, sys
sys.path.insert(0, sys.argv[3])
from authctl import hexid, key_id, read_key
text, want, dec, at, bad = sys.stdin.read(), sys.argv[1], json.JSONDecoder(), 0, []
if hexid(key_id(read_key(sys.argv[2]))) != want:
    bad.append("vsradm keyid says %s, computed here %s" %
               (want, hexid(key_id(read_key(sys.argv[2])))))
while text[at:].strip():
    at += len(text[at:]) - len(text[at:].lstrip())
    doc, at = dec.raw_decode(text, at)
    d = doc[0]
    r, n = d.get("replica"), len(bad)
    if (d.get("key-id"), d.get("accept-key-id"), d.get("accept-unauthenticated")) != \
       (want, None, False):
        bad.append("replica %s: key-id %r accept-key-id %r accept-unauthenticated %r, want "
                   "%s, none, false" % (r, d.get("key-id"), d.get("accept-key-id"),
                                        d.get("accept-unauthenticated"), want))
    if d["stats"]["drop-auth"] != 0:
        bad.append("replica %s: drop-auth %r" % (r, d["stats"]["drop-auth"]))
    bad += ["replica %s: peer %d drop-auth %r" % (r, p["index"], p["drop-auth"])
            for p in d["peer"] if p["drop-auth"]]
    if len(bad) == n:
        print("# replica %s: key %s, drop-auth 0 from every peer" % (r, want))
if bad:
    sys.exit("; ".join(bad))
' "$id" "$file" "$VSR_LIB" || fail "keys or drop-auth after the start"
}

umask 077
for k in k1 kother; do
	"$VSRADM" genkey > "$tmp/$k" || fail "vsradm genkey"
done
id=$("$VSRADM" keyid "$tmp/k1") || fail "vsradm keyid"

info "a. a cluster with one key"
grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
cluster_net 3
for i in 0 1 2; do
	replica_add "$i" "${TUN[@]}" key-file "$tmp/k1" || fail "add replica $i with a key"
	no_flood_limit "$i"
done
st wait "$wait" "status == 0" 0 1 2 || fail "not all normal"
writes 0 "$(scaled 3)" a
keys_shown "$tmp/k1" "$id" 0 1 2

info "b. forged datagrams from the peers' addresses"
read -r p <<< "$(st get 0 primary)"
b1=$(( (p + 1) % 3 ))
b2=$(( (p + 2) % 3 ))
ctl snap "$tmp/b0.snap" 0 1 2 || fail "state"
authforge forge --to "$b1" --from "$p" --key "$tmp/k1" --other-key "$tmp/kother" --count "$N" ||
	fail "forged datagrams to backup $b1 as primary $p"
authforge forge --to "$p" --from "$b1" --key "$tmp/k1" --other-key "$tmp/kother" --count "$N" ||
	fail "forged datagrams to primary $p as backup $b1"
authforge forge --to "$b2" --from "$b1" --key "$tmp/k1" --other-key "$tmp/kother" --count "$N" ||
	fail "forged datagrams to backup $b2 as backup $b1"
ctl check "$tmp/b0.snap" 0 1 2 --state --save "$tmp/b.snap" ||
	fail "the forgeries changed something"
intact b

info "c. replaying captured traffic"
authforge nonces --key "$tmp/k1" --out "$tmp/nonces" --auths "$tmp/auths" 0 1 2 ||
	fail "the nonces of the replicas"
authforge sniff --out "$tmp/cap" --stop "$tmp/c.stop" --ready "$tmp/c.ready" \
	> "$tmp/c.sniff" 2>&1 &
sniffer=$!
bg+=("$sniffer")
end=$((SECONDS + 60))
until [ -e "$tmp/c.ready" ]; do
	[ $SECONDS -lt $end ] || { cat "$tmp/c.sniff" >&2; fail "the sniffer did not start"; }
	sleep 0.05
done
read -r p <<< "$(st get 0 primary)"
writes "$(( (p + 1) % 3 ))" "$(scaled 5)" c-backup	# forwarded to the primary
view_change
writes 0 "$(scaled 5)" c-newview
touch "$tmp/c.stop"
wait "$sniffer" || { cat "$tmp/c.sniff" >&2; fail "sniffer"; }
cat "$tmp/c.sniff"
authforge check-capture "$tmp/cap" --key "$tmp/k1" --nonces "$tmp/nonces" ||
	fail "captured datagrams"
writes 0 "$(scaled 5)" c-later
view_change
ctl snap "$tmp/c0.snap" 0 1 2 || fail "state"
authforge replay "$tmp/cap" || fail "replay after more writes and a view change"
ctl check "$tmp/c0.snap" 0 1 2 --not-back --save "$tmp/c.snap" ||
	fail "the replay moved a replica back"
intact c

info "d. positive control, then a restart"
read -r p <<< "$(st get 0 primary)"
b1=$(( (p + 1) % 3 ))
b2=$(( (p + 2) % 3 ))
# Backups do not talk to each other: the control's counters on the link
# b1 -> b2 meet no real ones.
authforge control --to "$b2" --from "$b1" --key "$tmp/k1" ||
	fail "datagrams sealed here, replica $b2 from $b1"
info "replica $b2 restarts (it would refuse replica $b1's real counters)"
ip netns exec "$(ns "$b2")" "$VSRADM" del "vsrlog$b2" || fail "del vsrlog$b2"
replica_add "$b2" "${TUN[@]}" key-file "$tmp/k1" || fail "add replica $b2 again"
no_flood_limit "$b2"
writes "$p" "$(scaled 3)" d-restarted
ctl snap "$tmp/d0.snap" 0 1 2 --caught-up || fail "replica $b2 did not recover"
authforge replay "$tmp/cap" "$tmp/auths" || fail "replay after replica $b2 restarted"
ctl check "$tmp/d0.snap" 0 1 2 --not-back --save "$tmp/d.snap" ||
	fail "the replay moved a replica back"
intact d

info "e. bad key requests"
ctl reject 0 || fail "bad key requests by netlink"

info "f. the primary's machine cloned (vmgenid, here by debugfs)"
read -r p <<< "$(st get 0 primary)"
mount -t debugfs none /sys/kernel/debug 2>/dev/null
echo 1 > "/sys/kernel/debug/vsr/vsrlog$p/vmfork" || fail "debugfs vmfork of $p"
ctl snap "$tmp/f0.snap" 0 1 2 || fail "state"
writes "$p" "$(scaled 5)" f-vmfork
dmesg | grep -q "vsrlog$p: the machine was cloned or restored: new authentication sessions" ||
	fail "replica $p did not start new sessions"
# What it sealed before, for the peers' sessions with its old nonce, is
# refused now.
authforge replay "$tmp/cap" || fail "replay after the new sessions"
ctl check "$tmp/f0.snap" 0 1 2 --not-back --save "$tmp/f.snap" ||
	fail "the replay moved a replica back"
intact f

info "g. a recorded AUTH of a dead peer"
read -r p <<< "$(st get 0 primary)"
v=$(( (p + 1) % 3 ))
# Its AUTH to the primary now, which echoes the primary's current
# challenge.
authforge nonces --key "$tmp/k1" --out "$tmp/nonces2" --auths "$tmp/auths2" 0 1 2 ||
	fail "the nonces of the replicas, again"
python3 -S - "$v" "$p" "$tmp/auths2" > "$tmp/g.one" <<'PY' ||
import json, sys
v, p = int(sys.argv[1]), int(sys.argv[2])
pick = [r for r in map(json.loads, open(sys.argv[3])) if (r['src'], r['dst']) == (v, p)]
assert len(pick) == 1, pick
for _ in range(5):
    print(json.dumps(pick[0]))
PY
	fail "replica $v's AUTH to $p"
ip netns exec "$(ns "$v")" "$VSRADM" del "vsrlog$v" || fail "del vsrlog$v"
end=$((SECONDS + 60))
until h=$(last_heard "$p" "$v") && [ "$h" -ge 1500 ]; do
	[ $SECONDS -lt $end ] || fail "replica $p still hears deleted replica $v ($h ms)"
	sleep 0.2
done
authforge replay "$tmp/g.one" || fail "replay of replica $v's AUTH"
h=$(last_heard "$p" "$v") || fail "show of replica $p"
echo "# replica $v's recorded AUTH replayed at $p: last heard $h ms ago"
[ "$h" -ge 1500 ] || fail "a recorded AUTH made deleted replica $v look heard ($h ms)"
replica_add "$v" "${TUN[@]}" key-file "$tmp/k1" || fail "add replica $v again"
no_flood_limit "$v"
ctl snap "$tmp/g.snap" 0 1 2 --caught-up || fail "replica $v did not recover"
intact g

ctl exactly-once "$VSR_ACKED" 0 1 2 || fail "acknowledged records lost or duplicated"
echo ok
