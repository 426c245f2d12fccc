#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Instances die under blocked clients: deleting an instance and deleting
# its network namespace wake a reader blocked at the end of the log and a
# writer blocked on a replica that cannot commit, both with ENODEV, and
# remove the device.  The module cannot be unloaded while a device is open
# (EBUSY, nothing hangs); once it is closed rmmod works and leaves nothing.
# timeout: 450
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)

blocked() {	# blocked read|write DEV OUT: a client that blocks, reporting errno
	python3 -S - "$@" <<'PY' &
import errno, os, sys
what, dev, out = sys.argv[1:4]
fd = os.open(dev, os.O_RDWR)
open(out + '.open', 'w').close()
res = 'returned'
try:
    if what == 'read':
        os.lseek(fd, 0, os.SEEK_END)
        os.read(fd, 65536)
    else:
        os.write(fd, b'never')
except OSError as e:
    res = errno.errorcode[e.errno]
open(out, 'w').write(res + '\n')
PY
	# Python starts slowly in the debug guest: go on once it holds the
	# device open, not after a guess.
	local s
	for ((s = 0; s < 300; s++)); do
		[ -e "$3.open" ] && return 0
		sleep 0.1
	done
	fail "$1 client on $2 did not open it"
}

expect() {	# expect FILE ERRNO SECS: the client reported ERRNO within SECS
	local s
	for ((s = 0; s < $3 * 10; s++)); do
		[ -s "$1" ] && break
		sleep 0.1
	done
	[ "$(cat "$1" 2>/dev/null)" = "$2" ] || fail "$1: '$(cat "$1" 2>/dev/null)', want $2"
}

cluster_up 3 heartbeat 50 timeout 500 client-timeout 60000
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
echo first > /dev/vsrlog0 || fail "write"

info "vsradm del under a blocked reader and writer"
partition 2
blocked read /dev/vsrlog2 "$tmp/r2"
blocked write /dev/vsrlog2 "$tmp/w2"
sleep 2
[ -s "$tmp/r2" ] && fail "reader did not block: $(cat "$tmp/r2")"
[ -s "$tmp/w2" ] && fail "isolated writer did not block: $(cat "$tmp/w2")"
ip netns exec "$(ns 2)" "$VSRADM" del vsrlog2 || fail "del"
expect "$tmp/r2" ENODEV 10
expect "$tmp/w2" ENODEV 10
[ -e /dev/vsrlog2 ] && fail "/dev/vsrlog2 still there"
heal

info "netns deletion under a blocked reader"
blocked read /dev/vsrlog1 "$tmp/r1"
sleep 1
ip netns del "$(ns 1)"
expect "$tmp/r1" ENODEV 90
for ((s = 0; s < 100; s++)); do
	[ -e /dev/vsrlog1 ] || break
	sleep 0.1
done
[ -e /dev/vsrlog1 ] && fail "/dev/vsrlog1 outlived its netns"

info "rmmod while a reader is blocked"
blocked read /dev/vsrlog0 "$tmp/r0"
rpid=$!
sleep 1
rmmod vsr 2>/dev/null && fail "rmmod succeeded with an open device"
grep -q '^vsr ' /proc/modules || fail "module gone"
kill "$rpid"
wait "$rpid" 2>/dev/null
ip netns exec "$(ns 0)" "$VSRADM" del vsrlog0 || fail "del vsrlog0"
rmmod vsr || fail "rmmod after the clients left"
ls /dev/vsrlog* 2>/dev/null && fail "device nodes left behind"
[ -e /sys/class/vsrlog ] && fail "class left behind"
echo ok
