#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The vsr family is the host administrator's: every command, and joining
# the events group, needs CAP_NET_ADMIN in the initial user namespace.
# Refused with EPERM, through vsradm (one-line error, exit 1) and raw
# netlink (add, del, get, dump, set, trim, join events):
#   - an unprivileged user (nobody);
#   - root of a new user namespace, in the initial network namespace;
#   - root of a new user namespace that owns a new network namespace
#     (before, GENL_UNS_ADMIN_PERM let it make host-global devices there).
# The host's root may still manage instances in any network namespace.
# The guest's init uses switch_root, not chroot, so user namespaces can be
# created there: in a guest, failing to create one fails the test.
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

# Every vsradm command that reaches the family, run by "$@" (a prefix such
# as nobody or unshare), must fail in one line with EPERM; raw netlink too,
# joining the events group included unless $join is eperm-cmds.
join=eperm
refused() {
	local who=$1 cmd out rc
	shift
	for cmd in "add vsrlog31 replica 0 peers 127.0.0.1:7001" "del vsrlog30" "show" \
		   "show vsrlog30" "set vsrlog30 heartbeat 20" "trim vsrlog30 0" "monitor"; do
		set +e
		# shellcheck disable=SC2086
		out=$("$@" timeout 10 "$V" $cmd 2>&1)
		rc=$?
		set -e
		[ $rc -eq 1 ] || fail "$who: '$cmd' exited $rc: $out"
		[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "$who: '$cmd': not one line: $out"
		case $out in
		*"Operation not permitted (vsr needs CAP_NET_ADMIN in the initial user namespace)") ;;
		*) fail "$who: '$cmd': $out" ;;
		esac
		echo "ok: $who: $cmd -> $out"
	done
	"$@" python3 -S "$here/vsr_nlraw.py" $join || fail "$who: raw netlink"
}

untouched() {
	$V show vsrlog30 > /dev/null || fail "vsrlog30 damaged by refused attempts ($1)"
	$V show -j | grep -q vsrlog31 && fail "a refused add created vsrlog31 ($1)"
	[ -e /dev/vsrlog31 ] && fail "a refused add created /dev/vsrlog31 ($1)"
	return 0
}

refused "nobody" nobody
untouched "nobody"

# Root in a fresh user namespace (the initial netns, or one it owns).
if ! nobody unshare -U -r true 2>/dev/null; then
	[ -n "${VSR_GUEST:-}" ] &&
		fail "cannot create a user namespace in the guest (is its init chrooted?)"
	echo "SKIP: cannot create user namespaces here (chroot?)"
	exit 4
fi
refused "userns root, initial netns" nobody unshare -U -r
untouched "userns root, initial netns"
# In a network namespace of its own, its root may join the events group
# (GENL_MCAST_CAP_NET_ADMIN asks for CAP_NET_ADMIN over the listener's
# namespace), but events only go to an instance's own namespace, and it
# cannot make one there: monitor fails at its initial dump.
join=eperm-cmds
refused "userns root, its own netns" nobody unshare -U -r -n
untouched "userns root, its own netns"

# The host's root, in a new network namespace: allowed there, and the
# instance dies with the namespace.
out=$(unshare -n sh -c "ip link set lo up && $V add vsrlog32 replica 0 peers 127.0.0.1:7000 && $V show -j") ||
	fail "root could not manage an instance in a new netns: $out"
echo "$out" | grep -q '"name":"vsrlog32"' || fail "root, new netns: $out"
for _ in $(seq 50); do [ -e /dev/vsrlog32 ] || break; sleep 0.1; done
[ -e /dev/vsrlog32 ] && fail "vsrlog32 survived its netns"
echo "ok: root manages instances in another netns"

# The host's root may subscribe to events.
python3 -S "$here/vsr_nlraw.py" events || fail "root cannot join the events group"
out=$(timeout 2 "$V" monitor 2>&1) || [ $? -eq 124 ] || fail "root's monitor: $out"
echo "$out" | grep -q vsrlog30 || fail "root's monitor did not show vsrlog30: $out"
echo "ok: root joins the events group"

$V del vsrlog30
rmmod vsr
trap - EXIT
