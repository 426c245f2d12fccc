#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The vsr family is admin-only: CAP_NET_ADMIN in the user namespace that
# owns the caller's network namespace.  An unprivileged user (nobody) gets
# EPERM for every command, through vsradm (one-line error, exit 1) and raw
# netlink (add, del, get, dump, set, trim); root of a new user namespace
# is still refused in the initial netns; root of a user namespace that owns
# its own netns may manage instances there.
# timeout: 120
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
V=$VSRADM

command -v setpriv >/dev/null || { echo "no setpriv"; exit 4; }
grep -q '^vsr ' /proc/modules && fail "vsr already loaded"
insmod "$VSR_KO"
trap 'rmmod vsr 2>/dev/null || true' EXIT

$V add vsrlog30 replica 0 peers 127.0.0.1:7000
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }

for cmd in "add vsrlog31 replica 0 peers 127.0.0.1:7001" "del vsrlog30" "show" \
	   "show vsrlog30" "set vsrlog30 heartbeat 20" "trim vsrlog30 0"; do
	set +e
	# shellcheck disable=SC2086
	out=$(nobody "$V" $cmd 2>&1)
	rc=$?
	set -e
	[ $rc -eq 1 ] || fail "unprivileged '$cmd' exited $rc: $out"
	[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "unprivileged '$cmd': not one line: $out"
	case $out in *"Operation not permitted"*) ;; *) fail "unprivileged '$cmd': $out" ;; esac
	echo "ok: unprivileged $cmd -> $out"
done
nobody python3 -S "$here/vsr_nlraw.py" eperm || fail "raw netlink as nobody"
$V show vsrlog30 > /dev/null || fail "vsrlog30 damaged by unprivileged attempts"
$V show -j | grep -q vsrlog31 && fail "unprivileged add created vsrlog31"

# Root in a fresh user namespace, but still in the initial netns: refused.
# (User namespaces cannot be created from a chroot, which is how the test
# guest runs; these checks run where they can.)
if nobody unshare -U -r true 2>/dev/null; then
	set +e
	out=$(nobody unshare -U -r "$V" show 2>&1)
	rc=$?
	set -e
	[ $rc -eq 1 ] && case $out in *"Operation not permitted"*) true ;; *) false ;; esac ||
		fail "userns root in the initial netns: exit $rc: $out"
	echo "ok: userns root in the initial netns -> $out"

	# Root of a user namespace owning a new netns: allowed there.
	out=$(nobody unshare -U -r -n sh -c "ip link set lo up && $V add vsrlog32 replica 0 peers 127.0.0.1:7000 && $V show -j") ||
		fail "userns root could not manage its own netns: $out"
	echo "$out" | grep -q '"name":"vsrlog32"' || fail "userns netns: $out"
	# ... and the instance died with that netns.
	for i in $(seq 50); do [ -e /dev/vsrlog32 ] || break; sleep 0.1; done
	[ -e /dev/vsrlog32 ] && fail "vsrlog32 survived its user-owned netns"
	echo "ok: userns root manages instances in its own netns only"
else
	echo "cannot create user namespaces here (chroot?): userns checks skipped"
fi

rmmod vsr
trap - EXIT
