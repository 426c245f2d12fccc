#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Encryption of cluster traffic (#12, "encrypt on"), end to end, on a
# 3-replica cluster with one key:
#
#  a. Refused, with the kernel's one-line reason, and nothing changed:
#     encrypt on without a key (add, and set with key-file none), and
#     key-file none on a replica that encrypts.
#  b. Control: with encrypt off, the records written are seen in clear in
#     the traffic captured on the bridge (so the capture does see them).
#  c. encrypt on, one replica at a time, writes committing after each:
#     receivers take both forms, so no datagram is refused (drop-auth and
#     send-errors stay 0).  show says "encrypt on", and every peer heard
#     from "encrypted".
#  d. encrypt require on all three.  Records written through each replica
#     (a backup forwards them), replicated, and sent whole to a replica
#     re-added empty (state transfer: NEWSTATEs of many KiB, in IP
#     fragments), never cross the bridge in clear: no captured datagram
#     holds a record's bytes, and every one but AUTH is encrypted, its
#     checksums zero.
#  e. A backup set back to encrypt off: the others refuse what it sends
#     (drop-auth for that peer, shown without "encrypted"), writes still
#     commit; back to require, and nothing more is refused.
#  f. encrypt on, then off, one replica at a time: records in clear once
#     more, nothing refused on the way.
#
# Every acknowledged record is in the log exactly once, the logs the same.
# timeout: 600
# kernels: stock 6.12 -- the debug guest has no time left; KUnit vsr_auth_encryption tests the sealing there
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
V=$VSRADM
TUN=(heartbeat 100 timeout 1000 client-timeout 20000)
authforge() { python3 -S "$VSR_LIB/authforge.py" "$@"; }
inn() {	# inn I ARGS...: vsradm ARGS in replica I's netns
	local i=$1
	shift
	"$V" -n "$(ns "$i")" "$@"
}

umask 077
"$V" genkey > "$tmp/k" || fail "genkey"
K=$("$V" keyid "$tmp/k") || fail "keyid"

# refused WANT ARGS...: vsradm ARGS fails with exit 1 and one line of
# stderr with the kernel's reason WANT (then vsradm's errno).
refused() {
	local want=$1 out rc
	shift
	out=$("$V" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc != 1 ] || [[ $out == *$'\n'* ]] ||
	   [[ $out != *": $want (Invalid argument)" ]]; then
		fail "$*: exit $rc, '$out'; want the refusal '$want'"
	fi
	echo "ok: refused: $out"
}
# drops: each replica's drop-auth and send-errors.  no_drops BEFORE:
# none since drops printed BEFORE.
drops() {
	local i
	for i in 0 1 2; do
		echo "$i:$(status "$i" drop-auth):$(status "$i" send-errors)"
	done
}
no_drops() {
	local now i
	now=$(drops)
	[ "$now" = "$1" ] && return 0
	for i in 0 1 2; do inn "$i" show "vsrlog$i"; done
	fail "datagrams refused or not sent: ${1//$'\n'/ } then ${now//$'\n'/ } (replica:drop-auth:send-errors)"
}
# sniff NAME: capture the bridge's traffic to $tmp/NAME until unsniff.
sniff() {
	rm -f "$tmp/stop" "$tmp/ready"
	authforge sniff --out "$tmp/$1" --stop "$tmp/stop" --ready "$tmp/ready" \
		> "$tmp/sniff.log" 2>&1 &
	sniffer=$!
	bg+=("$sniffer")
	local end=$((SECONDS + 60))
	until [ -e "$tmp/ready" ]; do
		[ $SECONDS -lt $end ] || { cat "$tmp/sniff.log" >&2; fail "the sniffer did not start"; }
		sleep 0.05
	done
}
unsniff() {
	touch "$tmp/stop"
	wait "$sniffer" || { cat "$tmp/sniff.log" >&2; fail "sniffer"; }
	cat "$tmp/sniff.log"
}

cluster_up 3 "${TUN[@]}" key-file "$tmp/k"
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
writes 0 3 start

info "a. what is refused"
NEED="encrypt needs a key to send with (key-file)"
refused "$NEED" -n "$(ns 0)" add vsrlog9 replica 0 peers "$(peers 3)" cluster 77 encrypt on
[ -e /dev/vsrlog9 ] && fail "a refused add left vsrlog9"
refused "$NEED" -n "$(ns 0)" set vsrlog0 key-file none encrypt on
inn 0 show vsrlog0 | grep -q "^	auth key $K\$" || fail "a refused set changed the keys"
inn 0 set vsrlog0 encrypt on || fail "encrypt on"
refused "$NEED" -n "$(ns 0)" set vsrlog0 key-file none
inn 0 show vsrlog0 | grep -q "^	auth key $K encrypt on\$" ||
	fail "want auth key $K encrypt on: $(inn 0 show vsrlog0)"
inn 0 set vsrlog0 encrypt off || fail "encrypt off"
inn 0 show vsrlog0 | grep -q "^	auth key $K\$" || fail "encrypt off: $(inn 0 show vsrlog0)"

info "b. control: in clear while encrypt is off"
sniff clear
writes 1 "$(scaled 5)" CLEARMARK
unsniff
authforge scan "$tmp/clear" --marker CLEARMARK || fail "the control"

info "c. encrypt on, one replica at a time"
none=$(drops)
for i in 0 1 2; do
	inn "$i" set "vsrlog$i" encrypt on || fail "encrypt on, replica $i"
	writes 0 3 "step$i"
done
no_drops "$none"
# Every replica hears from the primary, which hears from all.
p=$(status 0 primary)
nudge=0	# (each record written once: they are counted)
for i in 0 1 2; do
	end=$((SECONDS + 30))
	while :; do
		out=$(inn "$i" show "vsrlog$i") || fail "show vsrlog$i"
		ok=1
		grep -q "^	auth key $K encrypt on\$" <<< "$out" || ok=0
		for j in 0 1 2; do
			[ "$j" = "$i" ] && continue
			[ "$i" != "$p" ] && [ "$j" != "$p" ] && continue
			grep -q "^	peer $j .* key $K encrypted" <<< "$out" || ok=0
		done
		[ $ok = 1 ] && break
		[ $SECONDS -ge $end ] && fail "replica $i: want encrypt on and encrypted peers:
$out"
		nudge=$((nudge + 1))
		writes 0 1 "nudge$nudge"
	done
done
out=$(inn 0 show -j vsrlog0) || fail "show -j"
[[ $out == *'"encrypt":"on"'* && $out == *'"encrypted":true'* ]] ||
	fail "show -j lacks encrypt and encrypted: $out"
inn 0 showconf vsrlog0 | grep -qx "encrypt on" || fail "showconf lacks encrypt on"
echo "ok: every replica encrypts, none refused a datagram"

info "d. encrypt require; nothing in clear: writes, forwarding, state transfer"
for i in 0 1 2; do
	inn "$i" set "vsrlog$i" encrypt require || fail "encrypt require, replica $i"
done
inn 0 show vsrlog0 | grep -q "^	auth key $K encrypt require\$" ||
	fail "want auth key $K encrypt require: $(inn 0 show vsrlog0)"
no_drops "$none"
sniff secret
for i in 0 1 2; do
	writes "$i" "$(scaled 5)" "SECRETMARK$i"
done
# Replica 2 again, empty: the others send it their log.
inn 2 del vsrlog2 || fail "del vsrlog2"
writes 0 "$(scaled 5)" SECRETMARK3
replica_add 2 "${TUN[@]}" key-file "$tmp/k" encrypt require || fail "re-add replica 2"
wait_normal 2 60 || fail "replica 2 not normal again"
wait_commit 2 "$(status 0 commit)" 60 || fail "replica 2 did not catch up"
writes 2 "$(scaled 3)" SECRETMARK4
unsniff
authforge scan "$tmp/secret" --marker SECRETMARK --encrypted || fail "records in clear"

info "e. a backup in clear, refused"
p=$(status 0 primary)
b=$(( (p + 1) % 3 ))
# (A new incarnation's first datagrams may be refused: not counted here.)
was=$(status "$p" drop-auth)
inn "$b" set "vsrlog$b" encrypt off || fail "encrypt off, replica $b"
writes "$p" 3 clearbackup
end=$((SECONDS + 30))
until [ "$(status "$p" drop-auth)" -gt "$was" ]; do
	[ $SECONDS -lt $end ] || fail "primary $p took backup $b's clear datagrams"
	nudge=$((nudge + 1))
	writes "$p" 1 "clearbackup$nudge"
done
inn "$p" show "vsrlog$p" | grep "^	peer $b " | grep -q "key $K drop-auth" ||
	fail "primary $p shows backup $b: $(inn "$p" show "vsrlog$p" | grep "^	peer $b ")"
echo "ok: backup $b in clear: refused ($(status "$p" drop-auth) drop-auth at the primary)"
inn "$b" set "vsrlog$b" encrypt require || fail "encrypt require again, replica $b"
writes "$p" 3 backagain
before=$(drops)
writes "$p" 3 settled

info "f. encrypt on, then off"
for i in 0 1 2; do
	inn "$i" set "vsrlog$i" encrypt on || fail "encrypt on, replica $i"
done
for i in 0 1 2; do
	inn "$i" set "vsrlog$i" encrypt off || fail "encrypt off, replica $i"
done
sniff again
writes 1 "$(scaled 5)" AGAINMARK
unsniff
authforge scan "$tmp/again" --marker AGAINMARK || fail "in clear again"
no_drops "$before"

converge "$tmp/log" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/log.0" || fail "acknowledged records"
echo "ok: encryption"
