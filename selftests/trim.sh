#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Trimming.  `vsradm trim` under load discards the records below the trim
# point on every replica (it is a replicated op); a reader positioned
# before it gets EPIPE, seeking before it gets ERANGE, and the retained
# suffix is identical everywhere.  With a retention set, the log trims
# itself and its size stays bounded under endless appends; `vsradm set`
# changes the retention of a live cluster.
# timeout: 600
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap 'exec 5<&-; cluster_cleanup' EXIT
tmp=$(mktemp -d)

cluster_up 3 heartbeat 50 timeout 500 client-timeout 20000 retention 100
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done

# A reader parked at the start of the log.
exec 5</dev/vsrlog1
pids=()
for i in 0 1 2; do
	python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$i" "load$i" 60 > "$tmp/acked.$i" &
	pids+=($!)
done
wait_commit 0 60 60 || fail "no progress"
info "trim at op 50 under load"
ip netns exec "$(ns 2)" "$VSRADM" trim vsrlog2 50 || fail "vsradm trim"
for i in 0 1 2; do
	for ((s = 0; s < 100; s++)); do
		[ "$(status "$i" trim-point)" -ge 50 ] && break
		sleep 0.1
	done
	[ "$(status "$i" trim-point)" -ge 50 ] || fail "replica $i trim point $(status "$i" trim-point)"
done
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
echo ok
