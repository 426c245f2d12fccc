#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A durable replica's log is cut below the head that the record in its
# file names, and then the whole cluster loses every replica: each one
# still restarts from its own file.  Five durable replicas, split three
# ways so that none has a quorum: the primary and backup m take a write
# that cannot commit; then m, whose datagrams are dropped, hears two
# others vote for the next view and promises it with that op as its head.
# The other three (m cut off) then elect a primary and write on.  Back, m
# pulls the new view's log over that op, and writes its entries over the
# op's slot before the record that names them, which debugfs holds back:
# its journal first lowers the file's record to the op before (debugfs
# counts it).  In that window every instance is deleted and the module
# removed; each replica comes back from its file (none falls back to the
# others), every acknowledged record there exactly once.  Then a damaged
# superblock copy and entry in one replica's file: it cannot restart from
# the file, recovers from the others instead, and loses nothing.  Last,
# raised records: after writes in one view and an idle second, that
# replica's record names its last op, so damage among its newest ops is
# found at a restart too (with the head at the view's start, the restart
# took the log up to the damage and went on without ops it acked).  And
# the ring's two copies: with its records held back (debugfs), the
# replica writes 20 ops above its record's head; one copy of two of them
# damaged, it restarts from its file with every op it wrote, the copies
# mended; then the other copies, which the first restart mended, the same.
# The slots' stamps grow with the writes and across the restarts.
# timeout: 600
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"
# A primary cut off steps down after the timeout: long enough for the
# minority write to be issued.
args=(heartbeat 100 timeout 2000 client-timeout 3000 retention 64)

# bridge NAME I...: move replicas I... to bridge NAME (made if absent).
bridge() {
	local br=$1 i
	shift
	{
		ip -n "$VSR_HUB" link show "$br" >/dev/null 2>&1 ||
			printf '%s\n' "link add $br type bridge" "link set $br up"
		for i in "$@"; do echo "link set p$i master $br"; done
	} | ip -n "$VSR_HUB" -b - || fail "bridge $br $*"
}

# record I: replica I's file's record as "view V log-view L head H" (debugfs).
record() {
	mountpoint -q /sys/kernel/debug ||
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
	sed -n 's/^journal .* \(view [0-9]* log-view [0-9]* head [0-9]*\) .*/\1/p' \
		"/sys/kernel/debug/vsr/vsrlog$1/state"
}

grep -q '^vsr ' /proc/modules || insmod "$VSR_KO" || fail "insmod"
cluster_net 5
for i in 0 1 2 3 4; do
	replica_add "$i" "${args[@]}" log-file "$tmp/disk$i" format ||
		fail "add durable replica $i"
done
for i in 0 1 2 3 4; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
p=$(primary_of 0)
m=$(( (p + 1) % 5 ))
a=$(( (p + 2) % 5 ))
b=$(( (p + 3) % 5 ))
c=$(( (p + 4) % 5 ))
writes "$p" 20 before
head=$(status "$m" op)

info "split {$p $m} {$a $b} {$c}: a write on primary $p reaches $m only"
bridge br1 "$p" "$m"
bridge br2 "$c"
# The shell's printf writes at once: a python3 writer took more than the
# timeout to start on a loaded debug guest, and the primary had stepped down.
(printf minority-0 > "/dev/vsrlog$p" && echo minority-0) > "$tmp/min" 2> "$tmp/min.err" &
writer=$!
end=$((SECONDS + 30))
until [ "$(status "$m" op)" -gt "$head" ]; do
	[ $SECONDS -ge $end ] && fail "the minority write never reached $m: $(cat "$tmp/min" "$tmp/min.err")"
	sleep 0.1
done
x=$(status "$m" op)

info "$m, its datagrams dropped, hears $a and $b vote and promises with op $x"
ip -n "$(ns "$m")" link set eth0 down
tc -n "$(ns "$m")" qdisc add dev eth0 root netem loss 100% || fail "netem on $m"
ip -n "$(ns "$m")" link set eth0 up
bridge br0 "$m"
end=$((SECONDS + 60))
until rec=$(record "$m") &&
	[[ "$rec" =~ ^view\ ([0-9]+)\ log-view\ ([0-9]+)\ head\ $x$ ]] &&
	[ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ]; do
	[ $SECONDS -ge $end ] && fail "$m never promised a view with op $x as its head (record: $rec)"
	sleep 0.1
done
lv=${BASH_REMATCH[2]}
info "$m's file: $rec"
bridge br3 "$m"
tc -n "$(ns "$m")" qdisc del dev eth0 root || fail "netem off $m"

info "$a $b $c elect a primary and write on without $m"
bridge br0 "$c"
for i in "$a" "$b" "$c"; do
	wait_normal "$i" 60 || fail "replica $i not normal in the majority"
done
writes "$a" 20 majority
wait "$writer"
grep -q 'timed out' "$tmp/min.err" || fail "the minority write did not time out: $(cat "$tmp/min" "$tmp/min.err")"

info "healed: $m pulls the new view's log over op $x, its records held back"
echo 1 > "/sys/kernel/debug/vsr/vsrlog$m/journal-hold-records" || fail "hold $m's records"
heal
writes "$a" 10 healed
end=$((SECONDS + 60))
until w=$(sed -n 's/^journal .* written \([0-9]*\)\.\.\([0-9]*\) .*/\1 \2/p' \
		"/sys/kernel/debug/vsr/vsrlog$m/state") &&
	[ "${w% *}" -le "$x" ] && [ "${w#* }" -gt "$x" ]; do
	[ $SECONDS -ge $end ] && fail "$m never wrote the new view's entries over op $x (written $w)"
	sleep 0.1
done
rec=$(record "$m")
[[ "$rec" =~ log-view\ $lv\  ]] || fail "$m's record moved on though held: $rec"
lowered=$(sed -n 's/.* lowered \([0-9]*\).*/\1/p' "/sys/kernel/debug/vsr/vsrlog$m/state")
unlowered=$(sed -n 's/.* unlowered \([0-9]*\).*/\1/p' "/sys/kernel/debug/vsr/vsrlog$m/state")
[ "$unlowered" = 0 ] || fail "$m wrote over a head it could not lower first ($unlowered times)"
info "$m wrote ops ${w% *}..${w#* } over op $x; its file: $rec; lowered ${lowered:-?} times"

info "whole-cluster loss in that window: every instance deleted and the module removed"
seen=$(dmesg | wc -l)
for i in 0 1 2 3 4; do
	ip netns exec "$(ns "$i")" "$VSRADM" del "vsrlog$i" || fail "del $i"
done
rmmod vsr || fail "rmmod"
insmod "$VSR_KO" || fail "insmod"
for i in 0 1 2 3 4; do
	ip netns exec "$(ns "$i")" "$VSRADM" add "vsrlog$i" log-file "$tmp/disk$i" ||
		fail "re-add $i from its file"
done
for i in 0 1 2 3 4; do
	wait_normal "$i" 120 || fail "replica $i not normal after the restart"
done
since=$(dmesg | tail -n +"$((seen + 1))")
refused=$(echo "$since" | grep -c 'cannot restart from')
restarted=$(echo "$since" | grep -c 'restarted from')
[ "$refused" = 0 ] && [ "$restarted" = 5 ] ||
	fail "$restarted of 5 replicas restarted from their files, $refused refused: $(echo "$since" | grep restart | tr '\n' ';')"
writes "$(primary_of 0)" 10 after
converge "$tmp/log2" 0 1 2 3 4
exactly_once "$VSR_ACKED" "$tmp/log2.0" || fail "acknowledged records lost or duplicated"
[ "${lowered:-0}" -gt 0 ] || fail "$m's journal never lowered its record"

info "damage: a superblock copy and an entry below the head of $c's file, while it is down"
rec=$(record "$c")
h=${rec##* }
ck=$(sed -n 's/^journal .* checkpoint \([0-9]*\) .*/\1/p' "/sys/kernel/debug/vsr/vsrlog$c/state")
[ "$h" -gt $((ck + 3)) ] || fail "$c's file holds too few ops above its checkpoint ($rec, checkpoint $ck)"
ip netns exec "$(ns "$c")" "$VSRADM" del "vsrlog$c" || fail "del $c"
# damage I OP COPIES [SUPER]: flip a byte of op OP's slot in replica I's
# file, in each of the ring's COPIES ("0", "1" or "0 1"), and of superblock
# copy 0 with SUPER.  The file must not be in use.
damage() {
	python3 -S - "$tmp/disk$1" "$2" "$3" "${4:-}" <<'PY' || fail "damage $1's file"
import os, sys
path, op, copies = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
# disk.h: four superblock copies, two checkpoint slots, two copies of a
# ring of 4 KiB slots.
log_off, slot = 4 * 4096 + 2 * (4096 + 1024 * 32), 4096
slots = (os.path.getsize(path) - log_off) // slot // 2
offs = [log_off + (int(c) * slots + op % slots) * slot + 16 for c in copies]
offs += [100] if sys.argv[4] else []
with open(path, 'r+b') as f:
    for off in offs:
        f.seek(off)
        b = f.read(1)
        f.seek(off)
        f.write(bytes([b[0] ^ 0x5a]))
PY
}

# mended I N: since dmesg line SEEN, replica I's journal mended N slots
# from their other copy.
mended() {
	dmesg | tail -n +"$((seen + 1))" | grep -q "disk$1: mended $2 log slots from their other copy" ||
		fail "replica $1's restart did not mend $2 slots from their other copy"
}

# refused I: replica I re-added from its damaged file recovers from the
# others instead.
refused() {
	seen=$(dmesg | wc -l)
	ip netns exec "$(ns "$1")" "$VSRADM" add "vsrlog$1" log-file "$tmp/disk$1" ||
		fail "re-add $1 from its damaged file"
	wait_normal "$1" 120 || fail "replica $1 not normal after recovering"
	dmesg | tail -n +"$((seen + 1))" | grep -q "vsrlog$1: cannot restart from" ||
		fail "$1 restarted from a file with a damaged entry below its head"
}
# (Both copies of the ring: one would be mended from the other, as op
# h - 3's copy 1 is.)
damage "$c" $((h - 3)) 1
damage "$c" $((h - 2)) "0 1" super
refused "$c"
mended "$c" 1
writes "$(primary_of 0)" 10 repaired
converge "$tmp/log3" 0 1 2 3 4
exactly_once "$VSR_ACKED" "$tmp/log3.$c" || fail "acknowledged records lost or duplicated after the repair"

info "raised: $c's record follows its log in one view, and damage among its newest ops is found"
o=$(status "$c" op)
# (Retention 64 trims the oldest: the last 40 and 10 more are checked.)
writes "$(primary_of 0)" 60 raised
VSR_ACKED=$tmp/acked.last
: > "$VSR_ACKED"
writes "$(primary_of 0)" 40 raised-last
sleep 1.5
rec=$(record "$c")
h=${rec##* }
x=$(status "$c" op)
[ "$h" -eq "$x" ] && [ "$x" -ge $((o + 100)) ] ||
	fail "$c's record ($rec) does not name its last op $x after an idle second (op $o before 100 writes)"
ip netns exec "$(ns "$c")" "$VSRADM" del "vsrlog$c" || fail "del $c"
damage "$c" $((h - 1)) "0 1"
refused "$c"
writes "$(primary_of 0)" 10 after
converge "$tmp/log4" 0 1 2 3 4
exactly_once "$VSR_ACKED" "$tmp/log4.$c" || fail "acknowledged records lost or duplicated after the repair"

info "mirrored: damage in one copy of the ring above $c's record's head is mended from the other"
# (Retention 64: these 30 records are checked.)
VSR_ACKED=$tmp/acked.mirrored
: > "$VSR_ACKED"
echo 1 > "/sys/kernel/debug/vsr/vsrlog$c/journal-hold-records" ||
	fail "hold $c's records"
writes "$(primary_of 0)" 20 mirrored
sleep 1
# "written F..W": its last op written, W, above the record's head.
w=$(sed -n 's/^journal .* written [0-9]*\.\.\([0-9]*\) .*/\1/p' "/sys/kernel/debug/vsr/vsrlog$c/state")
rec=$(record "$c")
h=${rec##* }
[ -n "$w" ] && [ "$w" -ge $((h + 20)) ] ||
	fail "$c wrote ops $w, not 20 above its record's head $h (records held)"
# Twice: then the copies that were good, which the first restart mended.
for copy in 0 1; do
	ip netns exec "$(ns "$c")" "$VSRADM" del "vsrlog$c" || fail "del $c"
	damage "$c" "$w" "$copy"
	damage "$c" $((w - 1)) $((1 - copy))
	seen=$(dmesg | wc -l)
	ip netns exec "$(ns "$c")" "$VSRADM" add "vsrlog$c" log-file "$tmp/disk$c" ||
		fail "re-add $c from its file"
	wait_normal "$c" 120 || fail "replica $c not normal after its restart"
	mended "$c" 2
	# "... checkpoint C, N ops above it": it restarted with its last op.
	line=$(dmesg | tail -n +"$((seen + 1))" | grep "vsrlog$c: restarted from") ||
		fail "$c did not restart from its file"
	echo "# $line"
	read -r ck n <<< "$(echo "$line" | sed -n 's/.* checkpoint \([0-9]*\), \([0-9]*\) ops above it/\1 \2/p')"
	[ -n "${n:-}" ] && [ $((ck + n)) -ge "$w" ] ||
		fail "$c restarted without ops it wrote ($line; wrote up to $w)"
done
writes "$(primary_of 0)" 10 after-mirrored
converge "$tmp/log5" 0 1 2 3 4
exactly_once "$VSR_ACKED" "$tmp/log5.$c" || fail "acknowledged records lost or duplicated after the mirrored restart"
# The slots' stamps (disk.h): both copies alike (mended), growing with the
# ops written, one batch each for the 20 written one by one, and higher
# after the restarts than before.
python3 -S - "$tmp/disk$c" $((w - 19)) "$w" "$(status "$c" op)" <<'PY' || fail "$c's slots' stamps"
import os, struct, sys
path, lo, w, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
log_off, slot = 4 * 4096 + 2 * (4096 + 1024 * 32), 4096
slots = (os.path.getsize(path) - log_off) // slot // 2
def tail(f, c, op):
    f.seek(log_off + (c * slots + op % slots) * slot + slot - 16)
    return struct.unpack('<QI', f.read(12))
with open(path, 'rb') as f:
    st = {op: (tail(f, 0, op), tail(f, 1, op)) for op in range(lo, hi + 1)}
errs = ['op %d stamped %s and %s' % (op, a, b) for op, (a, b) in st.items() if a != b]
before = [st[op][0] for op in range(lo, w + 1)]
after = [st[op][0] for op in range(w + 1, hi + 1)]
if before != sorted(before) or after != sorted(after):
    errs.append('stamps that go back')
if len(set(before)) < len(before) // 2:
    errs.append('%d stamps for %d batches' % (len(set(before)), len(before)))
if after and min(after)[0] <= max(before)[0]:
    errs.append('a superblock sequence after the restarts not above before')
print('# stamps of ops %d..%d: %s..%s, after the restarts %s..%s' %
      (lo, hi, before[0], before[-1], after[0] if after else '-', after[-1] if after else '-'))
sys.exit('; '.join(errs) if errs else 0)
PY
echo ok
