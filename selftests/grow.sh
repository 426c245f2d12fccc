#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reconfiguration that adds members, under load.  Three replicas, and
# joining instances (vsradm add NAME join ADDR:PORT) at new addresses:
# they wait in status joining, refuse writes (ENOTCONN) and reconfigure.
# A backup grows the cluster from three to five while a writer runs on
# each member: the two new members, taught the log as learners while the
# primary waits to propose the change, enter epoch 1 normal and write
# on.  Then five shrink to three, leaving out the
# current primary.  Then the new primary dies (its instance is deleted)
# while writers run on the survivors, and a survivor replaces it by a
# joining instance at yet another address.  Every acknowledged record is
# in the members' log exactly once, and a removed member's log is a prefix
# of theirs.  Last, a change asked at a backup that cannot happen
# without a new member which never answers (one of them a joining
# instance with another key) fails with the primary's reason, naming it;
# given the right key, that instance joins.  The cluster has a key, which every joining instance
# is given too: the keys name peers by address, so the new members' places
# in each instance's list (its own order) do not matter.  (A joining
# instance without a key is tested by selftests/rig/replace.sh.)
# timeout: 900
# kernels: stock 6.12 -- the debug guest has no time left (579 s alone there); reconfig.sh drives the epoch switch there, KUnit and the simulator the learners
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)
(umask 077 && "$VSRADM" genkey > "$tmp/key") || fail "genkey"
opts=(heartbeat 50 timeout 500 client-timeout 20000 key-file "$tmp/key")

a() { echo "$(addr "$1"):$VSR_PORT"; }
list() {
	local i l=
	for i in "$@"; do l+="${l:+,}$(a "$i")"; done
	echo "$l"
}

# join I: a joining instance in namespace I.
join() {
	slow_args "${opts[@]}"
	ip netns exec "$(ns "$1")" "$VSRADM" add "vsrlog$1" join "$(a "$1")" \
		cluster 77 "${VSR_ARGS[@]}" || fail "add vsrlog$1 join"
}

# primary_addr I: the address of replica I's primary (peer indices are
# each instance's own: a joined one lists its peers as it learned them).
primary_addr() {
	local out k
	out=$("$VSRADM" -n "$(ns "$1")" show "vsrlog$1") || return 1
	k=$(status "$1" primary) || return 1
	sed -n "s/^[[:space:]]*peer $k \([^ ]*\).*/\1/p" <<< "$out"
}

# writers I...: a writer on each replica I until $tmp/stop exists, one
# record each 20 ms (each 80 ms on the slow debug kernel, whose dumps of
# the logs would take most of the test otherwise).
declare -A wpid
writers() {
	local i gap
	gap=$(awk "BEGIN { print 0.02 * ${VSR_SLOW:-1} }")
	for i in "$@"; do
		python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$i" "w$i-$SECONDS" 3 \
			"$gap" 0 "$tmp/stop" >> "$tmp/acked.$i" 2>> "$tmp/werr.$i" &
		wpid[$i]=$!
	done
}

# acked_more I N: writer I acknowledged N more records (within a minute).
acked_more() {
	local n end=$((SECONDS + 60))
	touch "$tmp/acked.$1"
	n=$(( $(wc -l < "$tmp/acked.$1") + $2 ))
	while [ "$(wc -l < "$tmp/acked.$1")" -lt "$n" ]; do
		[ $SECONDS -lt $end ] || { cluster_why "$1"; fail "writer $1 stuck: $(tail -3 "$tmp/werr.$1")"; }
		sleep 0.1
	done
}

# stop_writers I...: stop them; each must have ended well.
stop_writers() {
	local i
	touch "$tmp/stop"
	for i in "$@"; do
		wait "${wpid[$i]}" || fail "writer $i failed: $(tail -3 "$tmp/werr.$i")"
	done
	rm -f "$tmp/stop"
}

cluster_net 6
grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
slow_args "${opts[@]}"
for i in 0 1 2; do
	ip netns exec "$(ns "$i")" "$VSRADM" add "vsrlog$i" replica "$i" \
		peers "$(list 0 1 2)" cluster 77 "${VSR_ARGS[@]}" || fail "add vsrlog$i"
done
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
join 3
join 4

info "joining instances"
for i in 3 4; do
	wait_status "$i" joining
	"$VSRADM" -n "$(ns "$i")" show "vsrlog$i" | head -1 |
		grep -q "status joining .* primary none members 0" ||
		fail "show on joining $i: $("$VSRADM" -n "$(ns "$i")" show "vsrlog$i" | head -1)"
	python3 -S - "/dev/vsrlog$i" <<'PY' || fail "device of joining $i"
import errno, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    os.write(fd, b'early')
    sys.exit('a write succeeded')
except OSError as e:
    assert e.errno == errno.ENOTCONN, e
PY
	reconf "$i" "$(list 0 1 2 3)" && fail "reconfigure on a joining instance"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "joining" "$tmp/err" ||
		fail "reconfigure on joining $i: $(cat "$tmp/err")"
	# Its configuration as a file would bootstrap a cluster of its own.
	"$VSRADM" -n "$(ns "$i")" showconf "vsrlog$i" > /dev/null 2> "$tmp/err" &&
		fail "showconf on a joining instance"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "add vsrlog$i join $(a "$i") cluster 77" "$tmp/err" ||
		fail "showconf on joining $i: $(cat "$tmp/err")"
done
"$VSRADM" -n "$(ns 0)" add vsrlog9 join "$(a 0)",10.77.0.9:7000 2> "$tmp/err" &&
	fail "join with two addresses accepted"
grep -q "own ADDR:PORT only" "$tmp/err" || fail "join with two addresses: $(cat "$tmp/err")"

p=$(primary_of 0)
b=$(( (p + 1) % 3 ))
c=$(( (p + 2) % 3 ))
info "grow: primary $p; epoch 1: $p $b 3 $c 4, asked at backup $b"
writers 0 1 2
for i in 0 1 2; do acked_more "$i" 3; done
reconf "$b" "$(list "$p" "$b" 3 "$c" 4)" ||
	{ cluster_why "$b"; fail "grow: $(cat "$tmp/err")"; }
[ "$(cat "$tmp/out")" = "vsrlog$b: epoch 1" ] || fail "grow said: $(cat "$tmp/out")"
for i in 0 1 2 3 4; do
	wait_epoch "$i" 1 60
done
# Taught as learners before the change, both entered the epoch normal.
for i in 3 4; do
	[ "$(status "$i" recoveries)" = 0 ] ||
		fail "new member $i recovered: it was not taught the log"
done
"$VSRADM" -n "$(ns 3)" show vsrlog3 | head -1 | grep -q "status normal view [0-9]* epoch 1 primary [0-9]*$" ||
	fail "show on 3: $("$VSRADM" -n "$(ns 3)" show vsrlog3 | head -1)"
[ "$(primary_addr 3)" = "$(a "$p")" ] || fail "3's primary is $(primary_addr 3), want $(a "$p")"
writers 3 4
for i in 0 1 2 3 4; do acked_more "$i" 3; done
stop_writers 0 1 2 3 4
converge "$tmp/log" 0 1 2 3 4
cat "$tmp"/acked.* > "$tmp/acked"
exactly_once "$tmp/acked" "$tmp/log.0" || fail "acknowledged records lost in the grow"

info "shrink: five to three, without the primary $p"
writers 0 1 2 3 4
for i in 0 1 2 3 4; do acked_more "$i" 2; done
reconf 4 "$(list 3 4 "$c")" || { cluster_why 4; fail "shrink: $(cat "$tmp/err")"; }
[ "$(cat "$tmp/out")" = "vsrlog4: epoch 2" ] || fail "shrink said: $(cat "$tmp/out")"
for i in 3 4 "$c"; do wait_epoch "$i" 2 60; done
for i in "$p" "$b"; do wait_status "$i" removed 60; done
for i in 3 4 "$c"; do acked_more "$i" 3; done
touch "$tmp/stop"
for i in 3 4 "$c"; do
	wait "${wpid[$i]}" || fail "writer $i failed: $(tail -3 "$tmp/werr.$i")"
done
for i in "$p" "$b"; do
	wait "${wpid[$i]}"
	rc=$?
	[ $rc -eq 5 ] || fail "writer on removed $i: exit $rc, $(tail -3 "$tmp/werr.$i")"
done
rm -f "$tmp/stop"
converge "$tmp/log" 3 4 "$c"
cat "$tmp"/acked.* > "$tmp/acked"
exactly_once "$tmp/acked" "$tmp/log.3" || fail "acknowledged records lost in the shrink"
for i in "$p" "$b"; do
	dump "$i" "$tmp/removed.$i"
	n=$(wc -l < "$tmp/removed.$i")
	head -n "$n" "$tmp/log.3" | cmp -s - "$tmp/removed.$i" ||
		fail "the log of removed $i is not a prefix of the members'"
done

info "replace the dead primary 3 by a new machine (5)"
[ "$(primary_addr 4)" = "$(a 3)" ] || fail "epoch 2's primary is $(primary_addr 4), want $(a 3)"
writers 4 "$c"
for i in 4 "$c"; do acked_more "$i" 2; done
"$VSRADM" -n "$(ns 3)" del vsrlog3 || fail "del vsrlog3"
join 5
wait_status 5 joining
reconf "$c" "$(list 4 "$c" 5)" || { cluster_why "$c"; fail "replace: $(cat "$tmp/err")"; }
[ "$(cat "$tmp/out")" = "vsrlog$c: epoch 3" ] || fail "replace said: $(cat "$tmp/out")"
for i in 4 "$c" 5; do wait_epoch "$i" 3 60; done
writers 5
for i in 4 "$c" 5; do acked_more "$i" 3; done
stop_writers 4 "$c" 5
converge "$tmp/log" 4 "$c" 5
cat "$tmp"/acked.* > "$tmp/acked"
exactly_once "$tmp/acked" "$tmp/log.4" || fail "acknowledged records lost in the replace"

info "a change asked at a backup that needs a new member which never answers"
# Two new addresses without an instance: two of the four ready, no
# majority.  The primary's answer comes back: the reason, not a timeout.
[ "$(status 5 primary)" != "$(status 5 replica)" ] || fail "replica 5 is the primary: no backup asks"
"$VSRADM" -n "$(ns 5)" set vsrlog5 client-timeout 3000 || fail "set client-timeout"
# The first of them is a joining instance with another key: no AUTH of
# the members verifies there, so it never learns, and stays joining.
(umask 077 && "$VSRADM" genkey > "$tmp/key2") || fail "genkey"
slow_args heartbeat 50 timeout 500 key-file "$tmp/key2"
ip netns exec "$(ns 3)" "$VSRADM" add vsrlog3 join "$(a 3)" cluster 77 \
	"${VSR_ARGS[@]}" || fail "add vsrlog3 join, another key"
wait_status 3 joining
reconf 5 "$(list 4 5 3),10.77.0.99:$VSR_PORT" && fail "a change with two silent new members: $(cat "$tmp/out")"
[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "does not answer" "$tmp/err" ||
	fail "a silent new member: $(cat "$tmp/err")"
# The address is named where the kernel can format the message (6.2 on).
case $(uname -r) in
6.1.*) ;;
*) grep -q "$(a 3) does not answer" "$tmp/err" || fail "the silent member not named: $(cat "$tmp/err")" ;;
esac
info "refused: $(cat "$tmp/err")"
for i in 4 "$c" 5; do
	[ "$(status "$i" epoch)" = 3 ] || fail "replica $i left epoch 3"
done
[ "$(status 3 status)" = joining ] || fail "the instance with another key left joining"
[ "$(status 3 drop-auth)" -gt 0 ] || fail "the instance with another key dropped no AUTH"
[ "$(status 3 commit)" = 0 ] || fail "the instance with another key learned: commit $(status 3 commit)"

info "the instance at $(a 3) again, with the cluster's key"
# The members' sessions with that address are with its earlier lives:
# what they send it is answered with an AUTH, and a new session starts.
"$VSRADM" -n "$(ns 3)" del vsrlog3 || fail "del vsrlog3"
join 3
wait_status 3 joining
# The primary alone stays (it had a session with an earlier life), so
# that the change cannot happen without the new instance.
"$VSRADM" -n "$(ns 5)" set vsrlog5 client-timeout 20000 || fail "set client-timeout"
pa=$(primary_addr 5)
[ "$pa" = "$(a 4)" ] || [ "$pa" = "$(a "$c")" ] || fail "epoch 3's primary is $pa"
reconf 5 "$pa,$(a 3)" || { cluster_why 5; fail "add 3 again: $(cat "$tmp/err")"; }
wait_epoch 3 4 60 || fail "replica 3 not normal in epoch 4"
for i in 0 1 2 4 5; do
	[ "$(status "$i" drop-malformed)" = 0 ] || fail "replica $i dropped malformed datagrams"
done
echo ok
