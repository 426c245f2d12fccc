#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Instances are per network namespace: created in the caller's netns,
# invisible (show, get, del, set) from other namespaces, names unique across
# the host, destroyed with their namespace (`ip netns del`), and rmmod with
# instances in several namespaces leaves nothing behind.
# timeout: 270
set -eu

fail() { echo "FAIL: $*" >&2; exit 1; }
V=$VSRADM
A=vsr-nsA-$$
B=vsr-nsB-$$

grep -q '^vsr ' /proc/modules && fail "vsr already loaded"
insmod "$VSR_KO"
cleanup() {
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rmmod vsr 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$A"
ip netns add "$B"
ip -n "$A" link set lo up
ip -n "$B" link set lo up
inA() { ip netns exec "$A" "$V" "$@"; }
inB() { ip netns exec "$B" "$V" "$@"; }
names() { python3 -S -c 'import json,sys; print(" ".join(i["name"] for i in json.load(sys.stdin)))'; }

inA add vsrlog10 replica 0 peers 127.0.0.1:7000,127.0.0.2:7000,[::1]:7000
inA add vsrlog11 replica 1 peers 127.0.0.1:7001,127.0.0.1:7011
inB add vsrlog12 replica 0 peers 127.0.0.1:7000
$V add vsrlog13 replica 0 peers 127.0.0.1:7000
[ "$(inA show -j | names)" = "vsrlog10 vsrlog11" ] || fail "netns A sees: $(inA show -j | names)"
[ "$(inB show -j | names)" = "vsrlog12" ] || fail "netns B sees: $(inB show -j | names)"
[ "$($V show -j | names)" = "vsrlog13" ] || fail "init netns sees: $($V show -j | names)"
echo "ok: each namespace sees only its own instances"

# Invisible from elsewhere: get, del, set fail with ENOENT.
for cmd in "show vsrlog10" "del vsrlog10" "set vsrlog10 heartbeat 20"; do
	# shellcheck disable=SC2086
	if out=$(inB $cmd 2>&1); then fail "netns B: $cmd succeeded"; fi
	case $out in *"no such instance"*) ;; *) fail "netns B: $cmd: $out" ;; esac
	# shellcheck disable=SC2086
	if out=$($V $cmd 2>&1); then fail "init netns: $cmd succeeded"; fi
done
inA show vsrlog10 > /dev/null || fail "vsrlog10 gone after foreign del attempts"
echo "ok: invisible from other namespaces"

# The same port in two namespaces is fine; the same name is not.
if out=$(inB add vsrlog10 replica 0 peers 127.0.0.1:7100 2>&1); then
	fail "netns B could take the name vsrlog10 of netns A"
fi
case $out in *"File exists"*) ;; *) fail "duplicate name across netns: $out" ;; esac
echo "ok: names are unique across namespaces"

# Destroying the namespace destroys its instances (and their devices).
[ -c /dev/vsrlog10 ] && [ -c /dev/vsrlog11 ] || fail "devices of netns A missing"
ip netns del "$A"
for i in $(seq 50); do
	[ -e /dev/vsrlog10 ] || [ -e /dev/vsrlog11 ] || break
	sleep 0.1
done
[ -e /dev/vsrlog10 ] && fail "/dev/vsrlog10 survived its netns"
[ -e /dev/vsrlog11 ] && fail "/dev/vsrlog11 survived its netns"
[ -e /sys/class/vsrlog/vsrlog10 ] && fail "vsrlog10 device survived its netns"
[ "$(inB show -j | names)" = "vsrlog12" ] || fail "netns B changed by deleting A"
$V add vsrlog10 replica 0 peers 127.0.0.1:7010 || fail "name of a destroyed netns not reusable"
echo "ok: ip netns del destroys its instances"

# A namespace destroyed while a monitor in it listens, then rmmod with
# instances in two namespaces.
ip netns add "$A"
ip -n "$A" link set lo up
inA add vsrlog11 replica 0 peers 127.0.0.1:7000
rmmod vsr || fail "rmmod with instances in several namespaces"
for n in 10 11 12 13; do
	[ -e /dev/vsrlog$n ] && fail "/dev/vsrlog$n left after rmmod"
done
[ -e /sys/class/vsrlog ] && fail "class left after rmmod"
ip netns del "$A"
ip netns del "$B"
trap - EXIT
echo "ok: rmmod with instances in several namespaces"
