#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reconfiguration that leaves members out, under load, in a cluster with
# a key (which names peers by address, whatever the epoch).  Five
# replicas, a writer on each, and a follower (vsradm log -f) on each
# replica that leaves: a backup asks (vsradm reconfigure) for an epoch of
# three that leaves out the primary and one more, in a new order.  The three go
# on writing in epoch 1; the two left out are removed: their writers get
# EROFS, their devices read to the change and then end of file (POLLHUP),
# their followers end cleanly, and their logs are a prefix of the
# members'.  Every acknowledged record
# is in the members' log exactly once.  A member and a removed replica
# restart with their first configuration: the member recovers into the
# new epoch, the other is removed again.  Then a change with a member cut
# off commits with the others, and the member catches up once healed; two
# changes asked at once: one wins, the other says why.  Bad lists get a
# one-line reason and change nothing.
# timeout: 600
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)

a() { echo "$(addr "$1"):$VSR_PORT"; }

# refused I LIST REASON: reconfigure fails with one line that says REASON.
refused() {
	reconf "$1" "$2" && fail "reconfigure $2 accepted: $(cat "$tmp/out")"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "not one line: $(cat "$tmp/err")"
	grep -q "$3" "$tmp/err" || fail "reconfigure $2: $(cat "$tmp/err"), want \"$3\""
	info "refused: $(cat "$tmp/err")"
}

(umask 077 && "$VSRADM" genkey > "$tmp/key") || fail "genkey"
cluster_up 5 heartbeat 50 timeout 500 client-timeout 20000 key-file "$tmp/key"
for i in 0 1 2 3 4; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done

info "bad lists"
refused 0 "$(a 1),$(a 2),$(a 1)" "peer listed twice"
list=
for i in $(seq 1 17); do list+="${list:+,}10.77.0.$i:7000"; done
refused 2 "$list" "too many peers"
"$VSRADM" -n "$(ns 0)" reconfigure vsrlog0 peers "" 2> "$tmp/err" &&
	fail "an empty list accepted"
grep -q "empty peer list" "$tmp/err" || fail "empty list: $(cat "$tmp/err")"
for i in 0 1 2 3 4; do
	[ "$(status "$i" epoch)" = 0 ] || fail "replica $i left epoch 0"
done

p=$(primary_of 0)
q=$(( (p + 1) % 5 ))
# The members of epoch 1, in a new order; the last one asks.
keep=($(( (p + 4) % 5 )) $(( (p + 3) % 5 )) $(( (p + 2) % 5 )))
asker=${keep[2]}
info "primary $p; epoch 1: ${keep[*]} (asked at $asker); $p and $q removed"

touch "$tmp/go"
rm -f "$tmp/stop"
pids=()
for i in 0 1 2 3 4; do
	python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$i" "w$i" 5 0.02 0 "$tmp/stop" \
		> "$tmp/acked.$i" 2> "$tmp/werr.$i" &
	pids[$i]=$!
done
for i in "$p" "$q"; do
	"$VSRADM" -n "$(ns "$i")" log "vsrlog$i" -f > "$tmp/follow.$i" 2> "$tmp/ferr.$i" &
	fpids[$i]=$!
done
for i in 0 1 2 3 4; do
	end=$((SECONDS + 60))
	while [ "$(wc -l < "$tmp/acked.$i")" -lt 3 ]; do
		[ $SECONDS -lt $end ] || fail "writer $i: nothing acknowledged"
		sleep 0.1
	done
done

reconf "$asker" "$(a "${keep[0]}"),$(a "${keep[1]}"),$(a "${keep[2]}")" ||
	{ cluster_why "$asker"; fail "reconfigure: $(cat "$tmp/err")"; }
[ "$(cat "$tmp/out")" = "vsrlog$asker: epoch 1" ] || fail "reconfigure said: $(cat "$tmp/out")"
info "$(cat "$tmp/out")"
for i in "$p" "$q"; do
	wait_status "$i" removed 60
done
for i in "${keep[@]}"; do
	wait_epoch "$i" 1 60
done
np=$(primary_of "${keep[0]}")
[ "$np" = "${keep[0]}" ] || fail "primary of epoch 1's view 0 is peer $np, want ${keep[0]}"
"$VSRADM" -n "$(ns "$asker")" show "vsrlog$asker" > "$tmp/show"
grep -q "epoch 1 primary ${keep[0]} members 3" "$tmp/show" || fail "show: $(head -1 "$tmp/show")"
grep -q "peer $p .* not-member" "$tmp/show" || fail "show: peer $p still a member"

# The members write on in epoch 1.
for i in "${keep[@]}"; do
	n=$(( $(wc -l < "$tmp/acked.$i") + 3 ))
	end=$((SECONDS + 60))
	while [ "$(wc -l < "$tmp/acked.$i")" -lt "$n" ]; do
		[ $SECONDS -lt $end ] || fail "writer $i stuck in epoch 1: $(tail -3 "$tmp/werr.$i")"
		sleep 0.1
	done
done
touch "$tmp/stop"
for i in "${keep[@]}"; do
	wait "${pids[$i]}" || fail "writer $i failed: $(tail -3 "$tmp/werr.$i")"
done
for i in "$p" "$q"; do
	wait "${pids[$i]}"
	rc=$?
	[ $rc -eq 5 ] || fail "writer on removed $i: exit $rc, $(tail -3 "$tmp/werr.$i")"
done

converge "$tmp/log" "${keep[@]}"
cat "$tmp"/acked.* > "$tmp/acked"
exactly_once "$tmp/acked" "$tmp/log.${keep[0]}" || fail "acknowledged records lost"
for i in "$p" "$q"; do
	dump "$i" "$tmp/removed.$i"
	n=$(wc -l < "$tmp/removed.$i")
	[ "$n" -ge 3 ] || fail "removed $i holds $n records"
	head -n "$n" "$tmp/log.${keep[0]}" | cmp -s - "$tmp/removed.$i" ||
		fail "the log of removed $i is not a prefix of the members'"
	# Its device: the records, then end of file; POLLHUP; EROFS.
	python3 -S - "/dev/vsrlog$i" "$n" <<'PY' || fail "device of removed $i"
import errno, os, select, sys
fd = os.open(sys.argv[1], os.O_RDWR)
n = 0
while os.read(fd, 65536):
    n += 1
assert n == int(sys.argv[2]), 'read %d records, want %s' % (n, sys.argv[2])
ev = select.poll()
ev.register(fd, select.POLLIN | select.POLLOUT)
mask = ev.poll(0)[0][1]
assert mask & select.POLLHUP, 'poll: %#x' % mask
try:
    os.write(fd, b'after')
    sys.exit('a write succeeded')
except OSError as e:
    assert e.errno == errno.EROFS, e
PY
	refused "$i" "$(a "${keep[0]}")" "removed from the cluster"
	# The follower saw every record, then the end.
	wait "${fpids[$i]}" || fail "follower of removed $i: $(cat "$tmp/ferr.$i")"
	grep -q "removed from the cluster" "$tmp/ferr.$i" || fail "follower $i: $(cat "$tmp/ferr.$i")"
	[ "$(wc -l < "$tmp/follow.$i")" -eq "$n" ] ||
		fail "follower of $i printed $(wc -l < "$tmp/follow.$i") records, want $n"
	"$VSRADM" -n "$(ns "$i")" show "vsrlog$i" | head -1 | grep -q "status removed .* primary none members 0" ||
		fail "show on removed $i: $("$VSRADM" -n "$(ns "$i")" show "vsrlog$i" | head -1)"
done
info "removed replicas hold the members' first records and refuse writes"

# Both restart with the configuration they were added with (epoch 0's
# peers): the member recovers into epoch 1, the removed one learns that it
# was removed, and neither disturbs the members.
info "a member and a removed replica restart"
r=${keep[1]}
for i in "$r" "$p"; do
	"$VSRADM" -n "$(ns "$i")" del "vsrlog$i" || fail "del vsrlog$i"
	replica_add "$i" heartbeat 50 timeout 500 client-timeout 20000 \
		key-file "$tmp/key" || fail "re-add vsrlog$i"
done
wait_epoch "$r" 1 60
wait_status "$p" removed 60
VSR_ACKED=$tmp/acked
writes "$r" 3 "back-$r"
converge "$tmp/log" "${keep[@]}"
exactly_once "$tmp/acked" "$tmp/log.${keep[0]}" || fail "acknowledged records lost"

info "a change with a member cut off"
cut=${keep[1]}
partition "$cut"
reconf "${keep[2]}" "$(a "${keep[0]}"),$(a "${keep[1]}"),$(a "${keep[2]}")" ||
	fail "reconfigure with $cut cut off: $(cat "$tmp/err")"
[ "$(cat "$tmp/out")" = "vsrlog${keep[2]}: epoch 2" ] || fail "said: $(cat "$tmp/out")"
wait_epoch "${keep[0]}" 2 60
[ "$(status "$cut" epoch)" = 1 ] || fail "the cut-off member changed epoch"
heal
wait_epoch "$cut" 2 60
for i in "${keep[@]}"; do writes "$i" 3 "e2-$i"; done
converge "$tmp/log" "${keep[@]}"
exactly_once "$tmp/acked" "$tmp/log.${keep[0]}" || fail "acknowledged records lost"

info "two changes at once"
reconf2() {
	"$VSRADM" -n "$(ns "$1")" reconfigure "vsrlog$1" peers "$2" \
		> "$tmp/out.$1" 2> "$tmp/err.$1"
}
l1="$(a "${keep[1]}"),$(a "${keep[0]}"),$(a "${keep[2]}")"
l2="$(a "${keep[2]}"),$(a "${keep[0]}"),$(a "${keep[1]}")"
reconf2 "${keep[0]}" "$l1" &
c1=$!
reconf2 "${keep[2]}" "$l2" &
c2=$!
won=0
wait "$c1" && won=$((won + 1))
wait "$c2" && won=$((won + 1))
[ "$won" -ge 1 ] || fail "neither change: $(cat "$tmp"/err.*)"
for i in "${keep[0]}" "${keep[2]}"; do
	[ -s "$tmp/err.$i" ] || continue
	[ "$(wc -l < "$tmp/err.$i")" -eq 1 ] && grep -q "another reconfiguration" "$tmp/err.$i" ||
		fail "the losing change said: $(cat "$tmp/err.$i")"
	info "lost: $(cat "$tmp/err.$i")"
done
for i in "${keep[@]}"; do
	wait_epoch "$i" $((2 + won)) 60
done
for i in "${keep[@]}"; do writes "$i" 2 "e3-$i"; done
converge "$tmp/log" "${keep[@]}"
exactly_once "$tmp/acked" "$tmp/log.${keep[0]}" || fail "acknowledged records lost"
echo ok
