#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Trimming.  `vsradm trim` returns once its replicated op committed and
# took effect on its replica, with the new trim point: on a quiet cluster
# (the commit point it checks against is the core's, not a stale copy:
# exactly commit + 1 is accepted, commit + 2 refused), under load, and
# across a failover (a trim given to the cut-off primary and one given to
# a backup are retried in the new view).  A reader positioned before the
# trim point gets EPIPE, seeking before it gets ERANGE, and the retained
# suffix is identical everywhere.  With a retention set, the log trims
# itself and its size stays bounded under endless appends; `vsradm set`
# changes the retention of a live cluster.  Every status snapshot taken
# (ioctl and netlink GET) during the failover is self-consistent.
# timeout: 600
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap 'exec 5<&-; touch "$tmp/stop"; cluster_cleanup' EXIT
tmp=$(mktemp -d)
vsrstat() { python3 -S "$VSR_LIB/vsrstat.py" "$@"; }
# trim I OP: vsradm trim on replica I; prints what vsradm printed.
trim() { ip netns exec "$(ns "$1")" "$VSRADM" trim "vsrlog$1" "$2"; }

cluster_up 3 heartbeat 50 timeout 500 client-timeout 20000 retention 100
vsrstat wait 60 'status == 0' 0 1 2 || fail "replicas not normal"

info "quiet cluster: 100 records, then trim at op 50 on a backup"
python3 -S "$VSR_LIB/writer.py" /dev/vsrlog0 quiet 100 > /dev/null || fail "writes"
vsrstat wait 30 'commit >= 101' 0 1 2 || fail "commit 101 not reached"
out=$(trim 1 50) || fail "trim at 50 on a quiet cluster refused"
[ "$out" = "vsrlog1: trim-point 50" ] || fail "trim returned '$out'"
vsrstat wait 30 'trim_point >= 50' 0 1 2 || fail "trim at 50 not applied everywhere"

read -r c t <<< "$(vsrstat get 1 commit trim_point)"
info "quiet cluster: commit $c trim point $t; trim at commit + 2 and commit + 1"
err=$(trim 1 $((c + 2)) 2>&1) && fail "trim at commit + 2 accepted: $err"
case $err in *"beyond the commit point"*) ;; *) fail "trim at commit + 2: $err" ;; esac
out=$(trim 1 $((c + 1))) || fail "trim at commit + 1 refused"
[ "$out" = "vsrlog1: trim-point $((c + 1))" ] || fail "trim at commit + 1 returned '$out'"
base=$((c + 1))

# A reader parked at the start of the log.
exec 5</dev/vsrlog1
pids=()
for i in 0 1 2; do
	python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$i" "load$i" 60 > "$tmp/acked.$i" &
	pids+=($!)
done
vsrstat wait 60 "commit >= $((base + 60))" 0 || fail "no progress"
info "trim at op $((base + 50)) under load"
out=$(trim 2 $((base + 50))) || fail "vsradm trim under load"
case $out in "vsrlog2: trim-point "*) ;; *) fail "trim under load returned '$out'" ;; esac
[ "${out##* }" -ge $((base + 50)) ] || fail "trim under load returned '$out'"
vsrstat wait 30 "trim_point >= $((base + 50))" 0 1 2 || fail "trim under load not applied everywhere"
for pid in "${pids[@]}"; do
	wait "$pid" || fail "a writer failed"
done

VSR_TRIM=$(status 1 trim-point) python3 -S - <<'PY' || fail "reader semantics around the trim point"
import errno, os, sys
fd = 5
try:
    os.read(fd, 65536)
    sys.exit('read before the trim point succeeded')
except OSError as e:
    if e.errno != errno.EPIPE:
        sys.exit('read before the trim point: %s' % errno.errorcode[e.errno])
try:
    os.lseek(fd, 10, os.SEEK_SET)
    sys.exit('seek before the trim point succeeded')
except OSError as e:
    if e.errno != errno.ERANGE:
        sys.exit('seek before the trim point: %s' % errno.errorcode[e.errno])
t = int(os.environ['VSR_TRIM'])
os.lseek(fd, t, os.SEEK_SET)
rec = os.read(fd, 65536)
print('# first record at or after the trim point %d: %r' % (t, rec[:20]))
PY
t=$(status 0 trim-point)
for i in 0 1 2; do
	python3 -S "$VSR_LIB/readlog.py" "/dev/vsrlog$i" "$t" > "$tmp/log.$i" || fail "read from $t"
done
converge "$tmp/full" 0 1 2
same_logs "$tmp/log.0" "$tmp/log.1" "$tmp/log.2" || fail "retained suffixes differ"

info "retention 100: endless appends keep the log bounded"
python3 -S "$VSR_LIB/writer.py" /dev/vsrlog0 bulk 600 > /dev/null || fail "bulk writes"
op=$(status 0 op)
tp=$(status 0 trim-point)
info "op $op trim point $tp"
[ "$tp" -gt 300 ] || fail "log not trimmed automatically (trim point $tp at op $op)"
[ $((op - tp)) -lt 1000 ] || fail "log holds $((op - tp)) ops with retention 100"

info "vsradm set retention 20 on the live cluster"
err=$(ip netns exec "$(ns 0)" "$VSRADM" set vsrlog0 retention 2000000 2>&1) &&
	fail "retention 2000000 accepted"
echo "$err" | grep -q "at most 1048576" || fail "no reason for the refused retention: $err"
for i in 0 1 2; do
	ip netns exec "$(ns "$i")" "$VSRADM" set "vsrlog$i" retention 20 ||
		fail "vsradm set retention on replica $i"
	[ "$(status "$i" log-retention)" = 20 ] || fail "replica $i shows retention $(status "$i" log-retention)"
done
python3 -S "$VSR_LIB/writer.py" /dev/vsrlog1 bulk2 200 > /dev/null || fail "writes after set"
for i in 0 1 2; do
	op=$(status "$i" op)
	tp=$(status "$i" trim-point)
	info "replica $i: op $op trim point $tp"
	[ $((op - tp)) -lt 100 ] || fail "replica $i holds $((op - tp)) ops with retention 20"
done
exec 5<&-

read -r v p c <<< "$(vsrstat get 0 view primary commit)"
vsrstat wait 30 "commit >= $c" 0 1 2 || fail "replicas below commit $c"
# Not the next view's primary: its trim is forwarded in both views.
b=$(( (p + 2) % 3 ))
info "failover: primary $p of view $v cut off at commit $c; trims on it and on backup $b"
vsrstat watch "$tmp/stop" 0 1 2 > "$tmp/watch" &
watcher=$!
# A view change only after 5 s: both trims are submitted in the old view.
# The cut-off primary drives its view number up meanwhile, and the others
# follow it once it is back: its trim gets a minute.
for i in 0 1 2; do
	ip netns exec "$(ns "$i")" "$VSRADM" set "vsrlog$i" timeout 5000 client-timeout 60000 ||
		fail "set timeout"
done
partition "$p"
# The old primary appends its trim but cannot commit it; the backup
# forwards its own to that primary.  Both must be retried in the new view.
trim "$p" $((c + 1)) > "$tmp/trim.p" 2>&1 &
tp=$!
trim "$b" $((c - 2)) > "$tmp/trim.b" 2>&1 &
tb=$!
wait "$tb" || fail "trim on backup $b across the failover: $(cat "$tmp/trim.b")"
info "backup $b: $(cat "$tmp/trim.b")"
vsrstat wait 60 "view > $v and status == 0 and trim_point >= $((c - 2))" "$b" ||
	fail "no new view with the backup's trim"
heal
wait "$tp" || fail "trim on the cut-off primary $p: $(cat "$tmp/trim.p")"
info "old primary $p: $(cat "$tmp/trim.p")"
grep -qx "vsrlog$p: trim-point $((c + 1))" "$tmp/trim.p" || fail "old primary's trim returned $(cat "$tmp/trim.p")"
vsrstat wait 60 "view > $v and status == 0 and trim_point >= $((c + 1))" 0 1 2 ||
	fail "the old primary's trim is not in effect everywhere"
touch "$tmp/stop"
wait "$watcher" || fail "inconsistent status snapshot: $(cat "$tmp/watch")"
cat "$tmp/watch"
echo ok
