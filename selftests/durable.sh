#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A durable cluster (each replica's log in a file) loses every replica at
# once - the module is removed, so nothing survives in memory - and comes
# back from its files alone: no peers, cluster or index given.  What every
# replica committed before is still committed, op for op, and the newest
# acknowledged records are there exactly once; it goes on taking writes.
# A small retention makes it trim and checkpoint, and enough writes wrap
# the file's ring before the second loss.  Then one replica restarts from
# its file while the others run, and an in-memory replica in its place
# is refused, also after a HELLO from its address that claims a durable
# log but answers no challenge; an in-memory cluster refuses a durable
# member and takes its in-memory replacement.  A cluster of one durable
# replica restarts from its file.  Bad inputs get an error and change
# nothing.
# timeout: 900
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"
# A ring of 2 * 64 + 2 * pipeline + 1024 slots (4 KiB each).
args=(heartbeat 50 timeout 500 client-timeout 20000 retention 64)

# readd I: bring replica I back from its file alone.
readd() {
	ip netns exec "$(ns "$1")" "$VSRADM" add "vsrlog$1" log-file "$tmp/disk$1"
}

# loss: every instance deleted and the module removed; then each replica
# back from its file.
loss() {
	local i
	for i in 0 1 2; do
		ip netns exec "$(ns "$i")" "$VSRADM" del "vsrlog$i" || fail "del $i"
	done
	rmmod vsr || fail "rmmod"
	insmod "$VSR_KO" || fail "insmod"
	[ "${1:-}" = bad ] && bad_inputs
	for i in 0 1 2; do
		readd "$i" || fail "re-add $i from its file"
	done
	for i in 0 1 2; do
		wait_normal "$i" 120 || fail "replica $i not normal after the restart"
	done
}

bad_inputs() {
	info "bad inputs: each refused with its reason, nothing created"
	truncate -s 1M "$tmp/empty"
	out=$(ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 log-file "$tmp/empty" 2>&1) &&
		fail "an unformatted file was taken"
	echo "$out" | grep -q 'no valid superblock' || fail "unformatted: $out"
	out=$(ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 replica 1 \
		peers "$(peers 3)" cluster 77 log-file "$tmp/disk0" 2>&1) &&
		fail "a mismatched replica index was taken"
	echo "$out" | grep -q 'differ from the log file' || fail "mismatch: $out"
	ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 log-file "$tmp/missing" 2>/dev/null &&
		fail "a missing file was taken"
	out=$(ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 replica 0 peers "$(peers 3)" \
		cluster 77 log-file /dev/vsr-no-such-disk format 2>&1) &&
		fail "a missing device was formatted"
	echo "$out" | grep -q 'never created under /dev' || fail "missing device: $out"
	[ -e /dev/vsr-no-such-disk ] && fail "a format made a file in /dev"
	"$VSRADM" -n "$(ns 0)" show vsrlog0 >/dev/null 2>&1 &&
		fail "a refused add left an instance"
	return 0
}

grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
cluster_net 3
for i in 0 1 2; do
	replica_add "$i" "${args[@]}" log-file "$tmp/disk$i" format ||
		fail "add durable replica $i"
done
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
	"$VSRADM" -n "$(ns "$i")" show "vsrlog$i" | grep -q "durable log-file $tmp/disk$i" ||
		fail "show does not name replica $i's log file"
done
p=$(primary_of 0)
writes "$p" 150 before
writes "$(( (p + 1) % 3 ))" 20 backup
converge "$tmp/log1" 0 1 2

info "whole-cluster loss: every instance deleted and the module removed"
loss bad
out=$(ip netns exec "$(ns 1)" "$VSRADM" add vsrlog9 log-file "$tmp/disk1" 2>&1) &&
	fail "a log file in use was taken twice"
echo "$out" | grep -q 'in use' || fail "in use: $out"
converge "$tmp/log2" 0 1 2
kept "$tmp/log1.0" "$tmp/log2.0" 50 || fail "records lost in the whole-cluster loss"

info "the file's ring wraps: 2400 more records, then the whole cluster again"
writes "$(primary_of 0)" 2400 wrap
converge "$tmp/log3" 0 1 2
loss
converge "$tmp/log4" 0 1 2
kept "$tmp/log3.0" "$tmp/log4.0" 50 || fail "records lost after the ring wrapped"

info "one replica restarts from its file (vsradm up, its saved configuration) while the others go on"
p=$(primary_of 0)
b=$(( (p + 1) % 3 ))
mkdir -p "$tmp/conf"
"$VSRADM" -n "$(ns "$b")" showconf "vsrlog$b" > "$tmp/conf/vsrlog$b.conf" || fail "showconf $b"
grep -qx "log-file $tmp/disk$b" "$tmp/conf/vsrlog$b.conf" ||
	fail "showconf does not name the log file: $(cat "$tmp/conf/vsrlog$b.conf")"
ip netns exec "$(ns "$b")" "$VSRADM" del "vsrlog$b" || fail "del $b"
writes "$p" 40 without
ip netns exec "$(ns "$b")" env VSRADM_CONFDIR="$tmp/conf" "$VSRADM" up "vsrlog$b" ||
	fail "up $b from its configuration"
wait_normal "$b" 120 || fail "replica $b not normal after its restart"
writes "$b" 10 through-b
converge "$tmp/log5" 0 1 2
kept "$tmp/log4.0" "$tmp/log5.$b" 50 || fail "records lost"

info "an in-memory replica in a durable cluster is refused, both ways"
ip netns exec "$(ns "$b")" "$VSRADM" del "vsrlog$b" || fail "del $b"
replica_add "$b" "${args[@]}" || fail "add $b in memory"
end=$((SECONDS + 60))
until "$VSRADM" -n "$(ns "$p")" show "vsrlog$p" | grep -q "peer $b .*durability-differs"; do
	[ $SECONDS -ge $end ] && fail "the durable primary does not refuse the in-memory replica"
	sleep 0.2
done
until "$VSRADM" -n "$(ns "$b")" show "vsrlog$b" | grep -q "peer $p .*durability-differs"; do
	[ $SECONDS -ge $end ] && fail "the in-memory replica does not see that durability differs"
	sleep 0.2
done
info "a HELLO from $b's address claiming a durable log, not an answer to $p's challenge, changes nothing"
# $b cut off (so that none of its HELLOs undoes it), and its address
# taken by a namespace that forges the HELLO.
fake=vsr-fake
printf '%s\n' "link add br9 type bridge" "link set br9 up" "link set p$b master br9" |
	ip -n "$VSR_HUB" -b - || fail "cut $b off"
ip netns add "$fake" || fail "netns $fake"
ip -n "$VSR_HUB" link add pf type veth peer name eth0 netns "$fake" || fail "veth $fake"
ip -n "$VSR_HUB" link set pf master br0 up || fail "link $fake"
printf '%s\n' "link set lo up" "addr add $(addr "$b")/24 dev eth0" "link set eth0 up" |
	ip -n "$fake" -b - || fail "address of $fake"
ip netns exec "$fake" python3 -S "$VSR_LIB/forge.py" hello-durable "$(addr "$p")" 7000 77 "$b" ||
	fail "forge a HELLO"
sleep 1
"$VSRADM" -n "$(ns "$p")" show "vsrlog$p" | grep -q "peer $b .*durability-differs" ||
	fail "a forged durable HELLO made the durable primary take the in-memory replica"
ip netns del "$fake"
ip -n "$VSR_HUB" link set "p$b" master br0 || fail "$b back"
writes "$p" 10 mixed
[ "$(status "$b" status)" != normal ] || fail "an in-memory replica joined a durable cluster"
ip netns exec "$(ns "$b")" "$VSRADM" del "vsrlog$b" || fail "del $b"
readd "$b" || fail "re-add $b from its file"
wait_normal "$b" 120 || fail "replica $b not normal after its return"
end=$((SECONDS + 10))
while "$VSRADM" -n "$(ns "$p")" show "vsrlog$p" | grep -q durability-differs; do
	[ $SECONDS -ge $end ] && fail "durability still differs 10 s after $b is back from its file"
	sleep 0.2
done
converge "$tmp/log6" 0 1 2
kept "$tmp/log5.0" "$tmp/log6.$b" 50 || fail "records lost"

info "an in-memory cluster refuses a durable member, then takes its in-memory replacement"
for i in 0 1 2; do
	ip netns exec "$(ns "$i")" "$VSRADM" del "vsrlog$i" || fail "del $i"
done
mem=(heartbeat 50 timeout 500 client-timeout 20000)
for i in 0 1; do
	replica_add "$i" "${mem[@]}" || fail "add $i in memory"
done
replica_add 2 "${mem[@]}" log-file "$tmp/other" format || fail "add 2 durable"
end=$((SECONDS + 60))
until "$VSRADM" -n "$(ns 0)" show vsrlog0 | grep -q "peer 2 .*durability-differs"; do
	[ $SECONDS -ge $end ] && fail "the in-memory replica 0 does not refuse a durable peer"
	sleep 0.2
done
ip netns exec "$(ns 2)" "$VSRADM" del vsrlog2 || fail "del 2"
replica_add 2 "${mem[@]}" || fail "add 2 in memory"
for i in 0 1 2; do
	wait_normal "$i" 120 || fail "replica $i of the in-memory cluster not normal"
done
"$VSRADM" -n "$(ns 0)" show vsrlog0 | grep -q durability-differs &&
	fail "durability still differs once replica 2 is in memory"
writes 0 10 in-memory

# The core asked for its first record from inside its creation, before
# the engine had a core: the kernel crashed on adding such a replica.
info "a cluster of one durable replica: formatted, written, back from its file"
for i in 0 1 2; do
	ip netns exec "$(ns "$i")" "$VSRADM" del "vsrlog$i" || fail "del $i"
done
ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 replica 0 peers "$(peers 1)" cluster 77 \
	log-file "$tmp/one" format || fail "add a one-replica durable cluster"
wait_normal 0 60 || fail "the one replica not normal"
: > "$VSR_ACKED"
writes 0 5 one
ip netns exec "$(ns 0)" "$VSRADM" del vsrlog0 || fail "del the one replica"
ip netns exec "$(ns 0)" "$VSRADM" add vsrlog0 log-file "$tmp/one" ||
	fail "re-add the one replica from its file"
wait_normal 0 60 || fail "the one replica not normal after its restart"
dump 0 "$tmp/one.log"
exactly_once "$VSR_ACKED" "$tmp/one.log" || fail "records of the one replica lost"
echo ok
